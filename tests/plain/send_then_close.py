"""send-then-close without the harness: what a user's own script sees.

The server (the release's default asyncio implementation, in a thread) sends
three messages and closes at once; the client, of the implementation named
on the command line, calls recv() in a loop right after connecting. Prints
how many messages the client received in each of ``runs`` runs, one per
line. Standard library and websockets only: it runs in a peer environment.

    python send_then_close.py IMPLEMENTATION RUNS
"""

import asyncio
import sys
import threading

import websockets

MESSAGES = ("message 0", "message 1", "message 2")


def serve(ready, port, stop):
    async def handler(connection, *path):
        for message in MESSAGES:
            await connection.send(message)
        await connection.close(1000, "")

    async def main():
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            port.append(next(iter(server.sockets)).getsockname()[1])
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)

    asyncio.run(main())


def sync_client(uri):
    from websockets.sync.client import connect

    received = 0
    with connect(uri) as connection:
        while True:
            try:
                connection.recv()
            except Exception:
                return received
            received += 1


def asyncio_client(module, uri):
    async def main():
        received = 0
        async with module.connect(uri) as connection:
            while True:
                try:
                    await connection.recv()
                except Exception:
                    return received
                received += 1

    return asyncio.run(main())


def main():
    implementation, runs = sys.argv[1], int(sys.argv[2])
    ready, port, stop = threading.Event(), [], threading.Event()
    thread = threading.Thread(target=serve, args=(ready, port, stop), daemon=True)
    thread.start()
    ready.wait(10)
    uri = f"ws://127.0.0.1:{port[0]}/"
    for _ in range(runs):
        if implementation == "sync":
            count = sync_client(uri)
        elif implementation == "legacy":
            from websockets.legacy import client

            count = asyncio_client(client, uri)
        else:
            from websockets.asyncio import client

            count = asyncio_client(client, uri)
        print(count, flush=True)
    stop.set()


if __name__ == "__main__":
    main()
