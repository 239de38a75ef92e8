"""A TCP proxy that adds network latency in front of the local Glance (standard library only).

On loopback a request costs only the server's own work. Against a real
service each request also waits a network round trip, and that wait is what
calls in flight at once (toast_image_member's ``parallel``) overlap. The
benchmark puts this proxy between the client and the peer to measure that:
every chunk of data is passed on half the round trip after it arrived, in
each direction, in order, without holding up the chunks behind it.

    python3 bench/latency_proxy.py --port PORT --target-port PORT --rtt-ms 20
"""

import argparse
import asyncio


async def relay(reader, writer, delay):
    """Copy ``reader`` to ``writer``, each chunk ``delay`` seconds after it arrived."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    async def forward():
        try:
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    sender = asyncio.create_task(forward())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            queue.put_nowait((loop.time() + delay, data))
    except ConnectionError:
        pass
    queue.put_nowait((loop.time() + delay, None))
    await sender


async def serve(port, target_port, delay):
    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1",
                                                                         target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(relay(client_reader, server_writer, delay),
                             relay(server_reader, client_writer, delay))

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--rtt-ms", type=float, required=True, help="round trip to add")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.target_port, args.rtt_ms / 2000))


if __name__ == "__main__":
    main()
