#!/usr/bin/env python3
"""The official Python MCP SDK as a client behind a round-robin balancer: one Streamable HTTP
session per instance URL, the same tool call through each in turn. Prints a JSON list with
each answer's isError and name (the MEP's label).

usage: round_robin.py TOOL ARGUMENTS_JSON URL [URL…]
"""
import asyncio
import json
import sys

from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client


async def one(url: str, tool: str, arguments: dict) -> dict:
    async with streamablehttp_client(url) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool(tool, arguments)
            structured = result.structuredContent or {}
            return {"isError": result.isError, "name": structured.get("name")}


async def main(tool: str, arguments: str, urls: list[str]) -> int:
    answers = [await one(url, tool, json.loads(arguments)) for url in urls]
    print(json.dumps(answers))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:])))
