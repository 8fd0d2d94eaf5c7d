// The sfn-resume emulator's Node.js runtime interface client: the loop AWS's Node.js runtime
// runs, against the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API. Usage: node index.mjs <handler>
// AWS's own client (aws-lambda-ric on npm) needs a native addon built with cmake; this one needs
// only node. It resolves handlers, builds the context and reports errors as AWS's runtime does.
import http from "node:http";
import path from "node:path";
import fs from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import util from "node:util";

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
const HANDLER = process.argv[2] || process.env._HANDLER || "";

function request(method, route, body, headers = {}) {
  const [host, port] = API.split(":");
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, method, path: `/2018-06-01/runtime/${route}`, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function errorObject(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || "Error",
      errorMessage: err.message,
      trace: typeof err.stack === "string" ? err.stack.split("\n") : [],
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

function post(route, value, headers = {}) {
  let body;
  try {
    body = value === undefined ? "null" : JSON.stringify(value);
  } catch (err) {
    return postError(route.replace(/\/response$/, "/error"), errorObject(err));
  }
  return request("POST", route, body, { "Content-Type": "application/json", ...headers });
}

function postError(route, object) {
  return request("POST", route, JSON.stringify(object), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": object.errorType,
  });
}

class NamedError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

let currentRequestId;
function patchConsole() {
  const levels = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE" };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const line = `${new Date().toISOString()}\t${currentRequestId ?? "undefined"}\t${level}\t${util.format(...args)}`;
      process.stdout.write(line.replace(/\n/g, "\r") + "\n");
    };
  }
}

async function loadHandler() {
  const slash = HANDLER.lastIndexOf("/");
  const dir = slash >= 0 ? HANDLER.slice(0, slash) : "";
  const base = HANDLER.slice(slash + 1);
  const dot = base.indexOf(".");
  if (dot < 0) {
    throw new NamedError("Runtime.MalformedHandlerName", `Bad handler ${HANDLER}`);
  }
  const moduleName = base.slice(0, dot);
  const functionPath = base.slice(dot + 1);
  const stem = path.resolve(TASK_ROOT, dir, moduleName);
  let module;
  const file = [".js", ".mjs", ".cjs"].map((ext) => stem + ext).find((f) => fs.existsSync(f));
  try {
    if (file === undefined) {
      // A package in node_modules or a directory module, as require resolves them.
      module = createRequire(path.join(TASK_ROOT, "index.js"))(path.join(dir, moduleName) || moduleName);
    } else if (file.endsWith(".cjs") || (file.endsWith(".js") && !isEsm(file))) {
      module = createRequire(file)(file);
    } else {
      module = await import(pathToFileURL(file).href);
    }
  } catch (err) {
    if (err && err.code === "MODULE_NOT_FOUND" && file === undefined) {
      throw new NamedError("Runtime.ImportModuleError", `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${import.meta.url}`);
    }
    if (err instanceof SyntaxError) {
      throw new NamedError("Runtime.UserCodeSyntaxError", `${err.name}: ${err.message}`);
    }
    throw err;
  }
  let handler = module;
  for (const part of functionPath.split(".")) {
    handler = handler == null ? undefined : handler[part];
  }
  if (handler === undefined && module && module.default) {
    handler = module.default;
    for (const part of functionPath.split(".")) {
      handler = handler == null ? undefined : handler[part];
    }
  }
  if (handler === undefined) {
    throw new NamedError("Runtime.HandlerNotFound", `${moduleName}.${functionPath} is undefined or not exported`);
  }
  if (typeof handler !== "function") {
    throw new NamedError("Runtime.HandlerNotFound", `${moduleName}.${functionPath} is not a function`);
  }
  return handler;
}

function isEsm(file) {
  let dir = path.dirname(file);
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir || !parent.startsWith(path.resolve(TASK_ROOT))) return false;
    dir = parent;
  }
}

function context(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function run(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    ctx.done = callback;
    ctx.succeed = (result) => callback(null, result);
    ctx.fail = (err) => callback(err ?? "handled");
    try {
      const returned = handler(event, ctx, callback);
      if (returned && typeof returned.then === "function") {
        returned.then((r) => callback(null, r), (e) => callback(e ?? new Error("rejected")));
      } else if (handler.length < 3) {
        callback(null, returned);
      }
    } catch (err) {
      callback(err);
    }
  });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    const object = errorObject(err);
    console.error(`${object.errorType}: ${object.errorMessage}`);
    await postError("init/error", object);
    process.exit(1);
  }
  for (;;) {
    const next = await request("GET", "invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = id;
    let event;
    try {
      event = JSON.parse(next.body.toString("utf8"));
    } catch (err) {
      await postError(`invocation/${id}/error`, errorObject(err));
      continue;
    }
    try {
      const result = await run(handler, event, context(next.headers));
      await post(`invocation/${id}/response`, result);
    } catch (err) {
      const object = errorObject(err);
      console.error(`Invoke Error \t${JSON.stringify(object)}`);
      await postError(`invocation/${id}/error`, object);
    }
  }
}

process.on("unhandledRejection", (reason) => {
  console.error(`Unhandled Promise Rejection \t${JSON.stringify(errorObject(reason))}`);
  process.exit(128);
});

main().catch((err) => {
  process.stderr.write(`runtime client failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
