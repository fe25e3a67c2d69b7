"""The application's connection handler, written for websockets 13.1."""


async def handler(websocket):
    """Greet the user the client names in its X-Chat-User header."""
    name = websocket.request_headers.get("X-Chat-User", "stranger")
    await websocket.send("hello " + name)
