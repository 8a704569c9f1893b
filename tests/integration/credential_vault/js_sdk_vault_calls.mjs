// The official JS SDK's credential-vault calls (EgressAdapter of @alibaba-group/opensandbox 0.1.11)
// against a running egress, exactly as the SDK makes them.
//   node js_sdk_vault_calls.mjs <sdk install dir> <api base URL> <token>
// Prints one line per call and "ok" at the end; exits non-zero on the first surprise.
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const [installDir, baseUrl, token] = process.argv.slice(2);
const sdk = await import(
  pathToFileURL(`${installDir}/node_modules/@alibaba-group/opensandbox/dist/internal.js`).href);
const headers = { "OPENSANDBOX-EGRESS-AUTH": token };
const vault = new sdk.EgressAdapter(sdk.createEgressClient({ baseUrl, headers }), { baseUrl, headers });

const created = await vault.create({
  credentials: [{ name: "gh token", source: { type: "inline", value: "sdk-SECRET" } }],
  bindings: [{
    name: "gh",
    match: { hosts: ["api.bound.test"], paths: ["/repos/*"], methods: ["GET"] },
    auth: { type: "bearer", credential: "gh token" },
  }],
});
assert.equal(created.revision, 1);
assert.deepEqual(created.credentials, [{ name: "gh token", sourceType: "inline", revision: 1 }]);
console.log("create", JSON.stringify(created));

const patched = await vault.patch({
  expectedRevision: 1,
  credentials: { add: [{ name: "key", source: { value: "sdk-KEY" } }] },
  bindings: {
    add: [{ name: "api-key", match: { hosts: ["files.bound.test"] },
            auth: { type: "apiKey", name: "x-api-key", credential: "key" } }],
  },
});
assert.equal(patched.revision, 2);
console.log("patch", JSON.stringify(patched));

assert.equal((await vault.get()).bindings.length, 2);
assert.deepEqual((await vault.listCredentials()).map((c) => c.name), ["gh token", "key"]);
assert.equal((await vault.getCredential("gh token")).revision, 1);
assert.deepEqual((await vault.listBindings()).map((b) => b.name), ["api-key", "gh"]);
const binding = await vault.getBinding("api-key");
assert.deepEqual(binding.auth, { type: "apiKey", name: "X-Api-Key" });
console.log("reads", JSON.stringify(binding));

await assert.rejects(vault.patch({ expectedRevision: 1 }), (error) => {
  assert.equal(error.statusCode, 409);
  assert.equal(error.message, "expectedRevision 1 does not match current revision 2\n");
  return true;
});
await assert.rejects(vault.getBinding("missing"), (error) => error.statusCode === 404);
assert.equal(JSON.stringify(await vault.get()).includes("SECRET"), false);

assert.equal(await vault.delete(), undefined);
await assert.rejects(vault.get(), (error) => error.statusCode === 404);
console.log("ok");
