#!/usr/bin/env python3
"""Opens an MCP session over WebSocket with a credential, initializes it, and waits for the
server to close the socket. Prints a JSON report: the close code and reason, and how many
seconds the socket lived after the initialize answer.

usage: ws_lifetime.py WS_URL CREDENTIAL
"""
import asyncio
import json
import sys
import time

import websockets


async def main(url, credential):
    headers = {"Authorization": f"Bearer {credential}"}
    async with websockets.connect(url, subprotocols=["mcp"], additional_headers=headers) as ws:
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "lifetime", "version": "0"}}}))
        await ws.recv()
        started = time.monotonic()
        try:
            while True:
                await asyncio.wait_for(ws.recv(), timeout=30)
        except websockets.ConnectionClosed as closed:
            rcvd = closed.rcvd
            return {"code": rcvd.code if rcvd else None, "reason": rcvd.reason if rcvd else None,
                    "seconds": round(time.monotonic() - started, 2)}
        except asyncio.TimeoutError:
            return {"code": None, "reason": "still open after 30 s", "seconds": 30}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2]))))
