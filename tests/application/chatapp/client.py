"""The application's client helper, written for websockets 13.1."""

import websockets


async def greet(uri, name):
    """Say who we are, return the server's greeting."""
    async with websockets.connect(uri, extra_headers={"X-Chat-User": name}) as websocket:
        return await websocket.recv()
