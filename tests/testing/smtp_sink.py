#!/usr/bin/python3
"""A real SMTP server on loopback for privet's delivery tests (aiosmtpd, from Debian).

    /usr/bin/python3 smtp_sink.py --port P --dir D [--fail-first N] [--reject] [--delay-ms MS]

Each message accepted is written to D/<n>.eml (written to a temporary name, then renamed, so a
reader never sees half a message), with the envelope in D/<n>.env ("from\\nto,to\\n"). With
--fail-first N the first N messages are answered 451 (try again later); with --reject every
message is answered 550; --delay-ms waits before answering each DATA (a slow server).
D/ready is written once the server listens. Stops on SIGTERM.
"""
import argparse
import asyncio
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, fail_first, reject, delay_ms):
        self.directory = directory
        self.fail_left = fail_first
        self.reject = reject
        self.delay = delay_ms / 1000.0
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.reject:
            return "550 5.7.1 rejected by the test sink"
        with self.lock:
            if self.fail_left > 0:
                self.fail_left -= 1
                return "451 4.3.0 try again later"
            self.count += 1
            n = self.count
        base = os.path.join(self.directory, "%06d" % n)
        with open(base + ".env.tmp", "w") as f:
            f.write(envelope.mail_from + "\n" + ",".join(envelope.rcpt_tos) + "\n")
        os.rename(base + ".env.tmp", base + ".env")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--reject", action="store_true")
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    sink = Sink(args.dir, args.fail_first, args.reject, args.delay_ms)
    controller = Controller(sink, hostname="127.0.0.1", port=args.port)
    controller.start()
    with open(os.path.join(args.dir, "ready"), "w") as f:
        f.write("ready\n")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        time.sleep(0.05)
    controller.stop()


if __name__ == "__main__":
    main()
