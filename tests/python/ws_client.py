#!/usr/bin/env python3
"""Drives `epmcp serve` over WebSocket (/ws) and prints a JSON report.

usage: ws_client.py URL            the official Python SDK's WebSocket client (no credentials)
       ws_client.py URL API_KEY    a plain `websockets` client sending JSON-RPC by hand, with the key
"""
import asyncio
import json
import sys


async def with_sdk(url):
    from mcp import ClientSession
    from mcp.client.websocket import websocket_client

    async with websocket_client(url) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            meps = await session.call_tool("get_meps", {"limit": 2})
            return {
                "protocolVersion": init.protocolVersion,
                "tools": [t.name for t in tools.tools],
                "meps": meps.structuredContent,
            }


async def by_hand(url, key):
    import websockets

    headers = {"Authorization": f"Bearer {key}"}
    async with websockets.connect(url, subprotocols=["mcp"], additional_headers=headers) as ws:
        async def request(id_, method, params):
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params}))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 20))
                if message.get("id") == id_:
                    return message

        init = await request(1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "ws", "version": "0"}})
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        tools = await request(2, "tools/list", {})
        details = await request(3, "tools/call", {"name": "get_mep_details", "arguments": {"id": "1294"}})
        await ws.send("this is not JSON")
        garbage = json.loads(await asyncio.wait_for(ws.recv(), 20))
        return {
            "subprotocol": ws.subprotocol,
            "protocolVersion": init["result"]["protocolVersion"],
            "tools": [t["name"] for t in tools["result"]["tools"]],
            "details": details["result"].get("structuredContent"),
            "garbage": garbage,
        }


url = sys.argv[1]
report = asyncio.run(by_hand(url, sys.argv[2]) if len(sys.argv) > 2 else with_sdk(url))
print(json.dumps(report))
