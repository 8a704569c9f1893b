// Line reads (GET /files/download with offset/limit) through the official JS SDK
// (@alibaba-group/opensandbox 0.1.11), unchanged, against a running execd. The filesystem adapter is
// built by the SDK's own DefaultAdapterFactory.createExecdStack, as Sandbox.create/connect build
// `sandbox.files`, with the execd token as the endpoint header the lifecycle server would hand out.
//   node js_sdk_line_reads.mjs <sdk install dir> <execd base URL> <token> <file>
// Reads only; the file is prepared by the caller, and <file>.missing must not exist. Prints one line
// "RESULT <json>" with every read's bytes as hex and every rejection's status and body, then "ok";
// exits non-zero on the first surprise (a read that fails, a rejection that does not come, an error
// of another shape).
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const [installDir, baseUrl, token, file] = process.argv.slice(2);
const sdk = await import(
  pathToFileURL(`${installDir}/node_modules/@alibaba-group/opensandbox/dist/index.js`).href);
const connectionConfig = new sdk.ConnectionConfig({ domain: "127.0.0.1:1" }).withTransportIfMissing();
const { files } = new sdk.DefaultAdapterFactory().createExecdStack({
  connectionConfig,
  execdBaseUrl: baseUrl,
  endpointHeaders: { "X-EXECD-ACCESS-TOKEN": token },
});
const missing = `${file}.missing`;
const hex = (bytes) => Buffer.from(bytes).toString("hex");

const reads = [];
async function read(name, via, opts, path = file) {
  let bytes;
  if (via === "readBytes") {
    bytes = await files.readBytes(path, opts);
    assert.ok(bytes instanceof Uint8Array, `${name}: readBytes gave ${typeof bytes}`);
  } else if (via === "readBytesStream") {
    const pieces = [];
    for await (const piece of files.readBytesStream(path, opts)) pieces.push(Buffer.from(piece));
    bytes = Buffer.concat(pieces);
  } else {
    const text = await files.readFile(path, opts);
    assert.equal(typeof text, "string", `${name}: readFile gave ${typeof text}`);
    bytes = Buffer.from(text, "utf-8");
  }
  reads.push({ name, via, opts: opts ?? null, hex: hex(bytes) });
}

const rejections = [];
async function reject(name, via, opts, path = file) {
  const call = via === "readFile" ? files.readFile(path, opts) : files.readBytes(path, opts);
  await assert.rejects(call, (error) => {
    assert.equal(error.name, "SandboxApiException", `${name}: ${error.stack}`);
    assert.ok(error instanceof sdk.SandboxApiException, name);
    assert.equal(error.message, "Download failed", name);
    assert.equal(error.error.code, sdk.SandboxError.UNEXPECTED_RESPONSE, name);
    assert.equal(typeof error.rawBody, "string", name);
    rejections.push({ name, via, opts, statusCode: error.statusCode, rawBody: error.rawBody });
    return true;
  }, `${name}: did not reject`);
}

// Without offset/limit the SDK sends neither: a plain byte download. Range alone: a byte range.
await read("plain", "readBytes", undefined);
await read("range only", "readBytes", { range: "bytes=0-4" });
// Line mode.
await read("offset=1", "readBytes", { offset: 1 });
await read("offset=3", "readBytes", { offset: 3 });
await read("limit=2", "readBytes", { limit: 2 });
await read("limit=1", "readBytes", { limit: 1 });
await read("offset=2&limit=4", "readBytes", { offset: 2, limit: 4 });
await read("offset=3&limit=2", "readBytes", { offset: 3, limit: 2 });
await read("offset=5&limit=1", "readBytes", { offset: 5, limit: 1 });
await read("offset=6&limit=1", "readBytes", { offset: 6, limit: 1 });
await read("offset=7&limit=1", "readBytes", { offset: 7, limit: 1 });
await read("offset=8", "readBytes", { offset: 8 });
await read("offset=8&limit=5", "readBytes", { offset: 8, limit: 5 });
await read("offset=9", "readBytes", { offset: 9 });
await read("offset=1000&limit=1", "readBytes", { offset: 1000, limit: 1 });
await read("offset=MAX_SAFE_INTEGER", "readBytes", { offset: Number.MAX_SAFE_INTEGER });
await read("limit=MAX_SAFE_INTEGER", "readBytes", { limit: Number.MAX_SAFE_INTEGER });
// readFile decodes UTF-8 (lines 5-6 are valid UTF-8); readBytesStream hands the chunks over.
await read("readFile offset=5&limit=2", "readFile", { offset: 5, limit: 2 });
await read("readFile limit=3", "readFile", { limit: 3 });
await read("readBytesStream offset=2", "readBytesStream", { offset: 2 });
await read("readBytesStream offset=4&limit=4", "readBytesStream", { offset: 4, limit: 4 });

// Range with offset or limit: upstream's 400, checked before the file is opened.
await reject("range+offset", "readBytes", { range: "bytes=0-3", offset: 2 });
await reject("range+limit", "readBytes", { range: "bytes=0-3", limit: 1 });
await reject("readFile range+offset+limit", "readFile", { range: "bytes=2-", offset: 1, limit: 1 });
await reject("missing range+offset", "readBytes", { range: "bytes=0-3", offset: 1 }, missing);
// The SDK sends any number as it is; the server judges it.
await reject("offset=0", "readBytes", { offset: 0 });
await reject("limit=0", "readBytes", { limit: 0 });
await reject("offset=1.5", "readBytes", { offset: 1.5 });
await reject("limit=-1", "readBytes", { limit: -1 });
await reject("missing offset=1", "readBytes", { offset: 1 }, missing);
await reject("missing offset=0", "readBytes", { offset: 0 }, missing);

const exclusive =
  "line-based reading (offset/limit) and byte range (Range header) are mutually exclusive";
for (const r of rejections.filter((x) => x.name.includes("range+"))) {
  assert.equal(r.statusCode, 400, r.name);
  assert.deepEqual(JSON.parse(r.rawBody), { code: "INVALID_REQUEST_BODY", message: exclusive }, r.name);
}

console.log(`RESULT ${JSON.stringify({ reads, rejections })}`);
await connectionConfig.closeTransport();
console.log("ok");
