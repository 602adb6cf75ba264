// The peer: a minimal Lambda handler in the seeds' stack, serving what the Rust
// functions serve in `make bench`: GET /api/version (no I/O) and GET /api/auth/me
// (verify the JWT, check the session, read the user and company: the same table keys).
const express = require("express");
const serverless = require("serverless-http");
const jwt = require("jsonwebtoken");
const { DynamoDBClient, GetItemCommand, BatchGetItemCommand } = require("@aws-sdk/client-dynamodb");
const { marshall, unmarshall } = require("@aws-sdk/util-dynamodb");

const table = process.env.TABLE_NAME;
const ddb = new DynamoDBClient({
  region: process.env.AWS_REGION || "us-east-1",
  endpoint: process.env.AWS_ENDPOINT_URL,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});

const app = express();
app.use(express.json());

app.get("/api/version", (req, res) => {
  res.json({ version: process.env.APP_VERSION || "0.1.0", commit: process.env.GIT_COMMIT || "unknown", builtAt: process.env.BUILT_AT || "unknown" });
});

app.get("/api/auth/me", async (req, res) => {
  const header = req.headers.authorization || "";
  let claims;
  try {
    claims = jwt.verify(header.replace(/^Bearer /, ""), process.env.JWT_SECRET, {
      algorithms: ["HS256"],
      issuer: process.env.JWT_ISSUER || "campus",
      audience: process.env.JWT_AUDIENCE || "campus-api",
    });
  } catch {
    return res.status(401).json({ error: { code: "UNAUTHENTICATED" } });
  }
  const session = await ddb.send(new GetItemCommand({
    TableName: table,
    Key: marshall({ pk: `C#${claims.tid}#U#${claims.sub}`, sk: `SESSION#${claims.sid}` }),
    ConsistentRead: true,
  }));
  if (!session.Item || unmarshall(session.Item).revoked) {
    return res.status(401).json({ error: { code: "SESSION_REVOKED" } });
  }
  const got = await ddb.send(new BatchGetItemCommand({
    RequestItems: { [table]: { Keys: [
      marshall({ pk: `C#${claims.tid}`, sk: `USER#${claims.sub}` }),
      marshall({ pk: `C#${claims.tid}`, sk: "COMPANY" }),
    ] } },
  }));
  const items = (got.Responses[table] || []).map((i) => unmarshall(i));
  res.json({ user: items.find((i) => i.entity === "user"), company: items.find((i) => i.entity === "company") });
});

module.exports.handler = serverless(app);
