#!/usr/bin/env python3
"""Drives `epmcp serve` over Streamable HTTP with the official Python MCP SDK and prints
a JSON report of what the caller could see and do.

usage: http_client.py URL [API_KEY]   (EPMCP_CA_FILE: the CA to trust for https URLs)
"""
import asyncio
import json
import sys

from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from calls import call, client_factory  # one call's report; the SDK's client trusting the test's CA


async def main(url: str, key: str | None) -> int:
    headers = {"Authorization": f"Bearer {key}"} if key else None
    async with streamablehttp_client(url, headers=headers, httpx_client_factory=client_factory) as (read, write, session_id):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            tools = await session.list_tools()
            prompts = await session.list_prompts()
            templates = await session.list_resource_templates()
            print(json.dumps({
                "protocolVersion": init.protocolVersion,
                "sessionId": session_id(),
                "tools": [t.name for t in tools.tools],
                "prompts": [p.name for p in prompts.prompts],
                "templates": [t.uriTemplate for t in templates.resourceTemplates],
                "meps": await call(session, "get_meps", {"limit": 2}),
                "details": await call(session, "get_mep_details", {"id": "1294"}),
                "health": await call(session, "get_server_health", {}),
            }))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)))
