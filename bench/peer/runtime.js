// A small Lambda Runtime API loop (what the AWS Node.js runtime does), so the peer
// runs under the bench's runtime emulator exactly as the Rust functions do.
const { handler } = require("./handler");

const base = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;

async function loop() {
  for (;;) {
    const next = await fetch(`${base}/invocation/next`);
    const id = next.headers.get("lambda-runtime-aws-request-id");
    const event = await next.json();
    let outcome = "response";
    let body;
    try {
      body = await handler(event, { awsRequestId: id, getRemainingTimeInMillis: () => 30000 });
    } catch (e) {
      outcome = "error";
      body = { errorMessage: String(e), errorType: "Error" };
    }
    await fetch(`${base}/invocation/${id}/${outcome}`, { method: "POST", body: JSON.stringify(body) });
  }
}

loop();
