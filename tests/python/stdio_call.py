#!/usr/bin/env python3
"""Calls one tool of epmcp over stdio with the official Python MCP SDK; prints a JSON report.

usage: stdio_call.py EPMCP_BIN TOOL ARGUMENTS_JSON
(EP_API_URL, EPMCP_COMPONENTS, EPMCP_CACHE_DIR and EPMCP_TRUSTED_KEYS are passed through)
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(binary: str, tool: str, arguments: dict) -> int:
    names = ("EP_API_URL", "EPMCP_COMPONENTS", "EPMCP_CACHE_DIR", "EPMCP_TRUSTED_KEYS", "EPMCP_TOOLS", "PATH")
    env = {k: os.environ[k] for k in names if k in os.environ}
    params = StdioServerParameters(command=binary, args=[], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            # The SDK checks structuredContent against the tool's outputSchema.
            result = await session.call_tool(tool, arguments)
            print(json.dumps({
                "tools": [t.name for t in tools.tools],
                "isError": result.isError,
                "structured": result.structuredContent,
                "text": result.content[0].text if result.content else None,
            }))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))))
