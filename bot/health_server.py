"""/healthz, /readyz and /metrics over HTTP (aiohttp): routes for the bot's own web server in
webhook mode (bot/web.py), or a server of their own on BOT_HEALTH_PORT in polling mode
(bot/serving.py). What they answer is bot/health.py's."""

from __future__ import annotations

from aiohttp import web

from bot.health import HEALTH_PATH, METRICS_PATH, READY_PATH, Health
from bot.metrics import CONTENT_TYPE

__all__ = ["add_health_routes", "serve_health"]


def add_health_routes(app: web.Application, health: Health) -> None:
    """/healthz, /readyz and /metrics on `app`."""

    async def alive(_: web.Request) -> web.Response:
        return web.json_response({"alive": True})

    async def ready(_: web.Request) -> web.Response:
        checks = await health.ready()
        failed = [name for name, word in checks.items() if word != "ok"]
        body = {"ready": not failed, "failed": failed, "checks": checks}
        return web.json_response(body, status=503 if failed else 200)

    async def metrics(_: web.Request) -> web.Response:
        await health.refresh()
        return web.Response(body=health.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get(HEALTH_PATH, alive)
    app.router.add_get(READY_PATH, ready)
    app.router.add_get(METRICS_PATH, metrics)


async def serve_health(health: Health, host: str, port: int) -> web.AppRunner:
    """A web server of their own for the three (polling mode's BOT_HEALTH_PORT), listening
    when this returns; `cleanup()` the runner to stop it."""
    app = web.Application()
    add_health_routes(app, health)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
