// One session of the official TypeScript MCP SDK (the version aliased as argv[2]) against
// epmcp, over stdio (argv[3] = "stdio", the command in EPMCP_BIN) or Streamable HTTP
// (argv[3] = the /mcp URL). It lists the tools, makes the calls in argv[4] (a JSON list of
// {name, arguments}), and prints one JSON report: what each call returned or threw, and
// everything the SDK wrote to the console (where old SDKs complain about what they cannot
// parse). The Rust test decides what is right.
const [sdk, target, callsJson] = process.argv.slice(2);
const noise = [];
for (const level of ["log", "warn", "error", "debug", "info"]) {
  console[level] = (...args) => noise.push(args.map(String).join(" ").slice(0, 300));
}
process.on("unhandledRejection", (e) => noise.push(`unhandled: ${e?.message ?? e}`));

const { Client } = await import(`${sdk}/client/index.js`);
let transport;
if (target === "stdio") {
  const { StdioClientTransport } = await import(`${sdk}/client/stdio.js`);
  transport = new StdioClientTransport({ command: process.env.EPMCP_BIN, args: [], env: { ...process.env }, stderr: "ignore" });
} else {
  const { StreamableHTTPClientTransport } = await import(`${sdk}/client/streamableHttp.js`);
  transport = new StreamableHTTPClientTransport(new URL(target));
}
const client = new Client({ name: "epmcp-test", version: "1.0.0" });
const report = { sdk, tools: null, listError: null, calls: [], noise };
try {
  await client.connect(transport);
  report.protocolVersion = transport.protocolVersion ?? null;
  const listed = await client.listTools();
  report.tools = listed.tools.length;
  for (const call of JSON.parse(callsJson || "[]")) {
    try {
      const r = await client.callTool(call);
      const text = (r.content ?? []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
      report.calls.push({ name: call.name, isError: r.isError ?? false, structured: r.structuredContent !== undefined, text });
    } catch (e) {
      report.calls.push({ name: call.name, threw: String(e?.message ?? e), code: e?.code ?? null });
    }
  }
} catch (e) {
  report.listError = String(e?.message ?? e);
}
await client.close().catch(() => {});
// Give late stream errors (an SSE parse failure) a moment to surface.
await new Promise((r) => setTimeout(r, 200));
process.stdout.write(JSON.stringify(report) + "\n");
process.exit(0);
