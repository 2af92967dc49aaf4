"""An HL7 v2 receiver for the sink's tests, built on python-hl7 (Debian's python3-hl7): its asyncio MLLP server
reads the frames, hl7.parse parses each message and Message.create_ack writes the acknowledgement.

Modes: ack (AA), ae / ar (refuse every message with AE / AR), drop-first (the first connection is closed after a
few bytes of the first message, without an acknowledgement; later ones acknowledge), slow (wait --delay seconds
before each AA), silent-first (the first message gets no answer at all; later ones AA).
With --tls-cert and --tls-key it serves MLLP over TLS. Prints "listening <port>" once bound; appends "<MSH-10> <MSH-9> <copy#> <sha256 of the message>" to --log for every
message parsed.
"""
import argparse
import asyncio
import hashlib
import ssl
import sys

import hl7
import hl7.mllp


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="ack", choices=["ack", "ae", "ar", "drop-first", "slow", "silent-first"])
    p.add_argument("--delay", type=float, default=0.2)
    p.add_argument("--log", required=True)
    p.add_argument("--tls-cert", help="PEM certificate: serve MLLP over TLS")
    p.add_argument("--tls-key", help="PEM private key of --tls-cert")
    args = p.parse_args()
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    state = {"connections": 0, "seen": {}, "silenced": False}
    log = open(args.log, "a", buffering=1)

    async def handle(reader, writer):
        state["connections"] += 1
        if args.mode == "drop-first" and state["connections"] == 1:
            await reader.read(40)          # part of the first frame, then hang up mid-message
            writer.close()
            return
        try:
            while not writer.is_closing():
                message = await reader.readmessage()
                control_id = str(message.segment("MSH")[10])
                kind = str(message.segment("MSH")[9])
                state["seen"][control_id] = state["seen"].get(control_id, 0) + 1
                digest = hashlib.sha256(str(message).encode("utf-8")).hexdigest()
                log.write(f"{control_id} {kind} {state['seen'][control_id]} {digest}\n")
                if args.mode == "silent-first" and not state["silenced"]:
                    state["silenced"] = True
                    continue
                if args.mode == "slow":
                    await asyncio.sleep(args.delay)
                code = {"ae": "AE", "ar": "AR"}.get(args.mode, "AA")
                writer.writemessage(message.create_ack(code, application="LISTENER", facility="TEST"))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    server = await hl7.mllp.start_hl7_server(handle, host="127.0.0.1", port=0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
