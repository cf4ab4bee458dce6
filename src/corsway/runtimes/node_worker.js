'use strict';
/*
 * corsway's Node.js worker: one warm Lambda execution environment (Node's standard library only).
 *
 * Started by corsway's worker pool with the service directory as working directory and the
 * function's environment. Loads the handler once (`_HANDLER`, resolved as the Lambda Node.js
 * runtime resolves it: CommonJS, `.mjs` and `"type": "module"` ES modules, `.cjs`), then answers
 * invocations read from a dedicated pipe and writes results to another (the frame format is
 * documented in corsway/runtimes/protocol.py). Whatever the handler prints goes to stdout/stderr,
 * which the pool shows under the function's name; it can never corrupt a frame.
 *
 * Completion semantics, as in the Lambda Node.js runtime:
 * - a returned promise (async handler) completes the invocation when it settles;
 * - `callback(error)` completes at once; `callback(null, result)` completes when the event loop
 *   has nothing left to do, unless `context.callbackWaitsForEmptyEventLoop = false` (so a handle
 *   left open, e.g. a database connection, makes a callback handler time out, as on AWS);
 * - `context.succeed/fail/done` complete at once; only the first completion counts;
 * - a handler that completes nothing: when the event loop runs dry, an async function fails
 *   with Runtime.NodeJsExit and any other returns null;
 * - an uncaught exception or unhandled rejection is printed and ends the process (exit status
 *   129 / 128): the invocation fails and the next request gets a fresh environment.
 *
 * `node node_worker.js --check` loads handlers without serving: it reads
 * {"functions": [{key, handler, runtime, dir, env}]} on stdin and writes one JSON report to
 * stdout (handler output meanwhile goes to stderr).
 */

const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const READY = 0;
const RESULT = 1;
const ERROR = 2;
const INIT_ERROR = 3;
const INVOCATION_HEADER_SIZE = 16; // u32 request-id length, u32 event length, f64 deadline
const RESULT_HEADER_SIZE = 9; // u8 kind, u32 payload length, u32 trace length
const MAX_RESPONSE_BYTES = 6291556; // Lambda's limit for a synchronous response
const HANDLER_EXPRESSION = /^([^.]*)\.(.*)$/;
const NODEJS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly ' +
  'caused by a Promise that was never settled. For more information, see ' +
  'https://nodejs.org/docs/latest/api/process.html#exit-codes';
const CALLBACK_REMOVED_MESSAGE =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with ' +
  'Node.js 24. You need to modify this function to use a supported handler signature to use ' +
  'Node.js 24 or later. For more information see ' +
  'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

// ---------------------------------------------------------------------------------------------
// Errors, serialized as the Lambda Node.js runtime serializes them

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
    this.stack = `${name}: ${message}`; // raised by the runtime: no user frames to show
  }
}

function isErrorLike(value) {
  return Boolean(
    value &&
      typeof value.name === 'string' &&
      typeof value.message === 'string' &&
      typeof value.stack === 'string' &&
      value.name &&
      value.message &&
      value.stack,
  );
}

/** Our own frames say nothing to the user: leave them out of stacks and require stacks. */
function withoutWorkerLines(text) {
  if (!text.includes(__filename)) return text;
  const lines = text.split('\n').filter((line) => !line.includes(__filename));
  if (lines[lines.length - 1] === 'Require stack:') lines.pop();
  return lines.join('\n');
}

/** A stack without our frames and without the Node internals that called the handler. */
function cleanStack(stack) {
  const lines = withoutWorkerLines(stack).split('\n');
  while (lines.length > 1 && /^\s+at (?:.*\()?node:[^)]*\)?$/.test(lines[lines.length - 1])) {
    lines.pop();
  }
  return lines;
}

/** Lambda's error object: {errorType, errorMessage, trace}. */
function lambdaError(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name,
        errorMessage: withoutWorkerLines(String(error.message)),
        trace: cleanStack(String(error.stack)),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or ' +
        'more of its message, name, and stack',
    };
  }
}

function traceText(details) {
  if (details.trace && details.trace.length) return details.trace.join('\n') + '\n';
  return `${details.errorType}: ${details.errorMessage}\n`;
}

// ---------------------------------------------------------------------------------------------
// Loading the handler, as the Lambda Node.js runtime does

function typeModuleDeclared(folder) {
  // The nearest package.json decides; a node_modules folder or the root ends the search.
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
      } catch (_) {
        return false;
      }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

function splitHandler(fullHandler) {
  if (fullHandler.includes('..')) {
    throw new RuntimeError(
      'Runtime.MalformedHandlerName',
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root ` +
        'directories in handler names.',
    );
  }
  const moduleAndHandler = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(moduleAndHandler));
  const match = moduleAndHandler.match(HANDLER_EXPRESSION);
  if (!match) throw new RuntimeError('Runtime.MalformedHandlerName', 'Bad handler');
  return { moduleRoot, moduleName: match[1], handlerPath: match[2] };
}

async function importFile(file) {
  return import(pathToFileURL(file).href);
}

async function requireUserModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  if (fs.existsSync(base)) return require(base);
  const esm = typeModuleDeclared(path.dirname(base));
  if (!esm && fs.existsSync(`${base}.js`)) return require(`${base}.js`);
  if (esm && fs.existsSync(`${base}.js`)) return importFile(`${base}.js`);
  if (fs.existsSync(`${base}.mjs`)) return importFile(`${base}.mjs`);
  if (fs.existsSync(`${base}.cjs`)) return require(`${base}.cjs`);
  return require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

/** The handler function; throws Runtime.* errors as Lambda names them. */
async function loadHandler(appRoot, fullHandler) {
  const { moduleRoot, moduleName, handlerPath } = splitHandler(fullHandler);
  let userModule;
  try {
    userModule = await requireUserModule(appRoot, moduleRoot, moduleName);
  } catch (error) {
    if (error instanceof SyntaxError) {
      const wrapped = new RuntimeError('Runtime.UserCodeSyntaxError', String(error));
      wrapped.stack = error.stack;
      throw wrapped;
    }
    if (error && error.code === 'MODULE_NOT_FOUND') {
      throw new RuntimeError('Runtime.ImportModuleError', withoutWorkerLines(String(error)));
    }
    throw error;
  }
  const handler = handlerPath
    .split('.')
    .reduce((value, key) => (value ? value[key] : undefined), userModule);
  if (!handler) {
    const missing = new RuntimeError(
      'Runtime.HandlerNotFound',
      `${fullHandler} is undefined or not exported`,
    );
    missing.exported = exportedNames(userModule);
    throw missing;
  }
  if (typeof handler !== 'function') {
    const wrong = new RuntimeError('Runtime.HandlerNotFound', `${fullHandler} is not a function`);
    wrong.exported = exportedNames(userModule);
    wrong.actualType = typeof handler;
    throw wrong;
  }
  return handler;
}

function exportedNames(userModule) {
  if (!userModule || (typeof userModule !== 'object' && typeof userModule !== 'function')) {
    return [];
  }
  return Object.keys(userModule).filter((name) => name !== '__esModule');
}

/** Lambda rejects callback-style handlers (3 parameters) from Node.js 24 on. */
function callbackRemoved(runtime, handler) {
  const match = /^nodejs(\d+)/.exec(runtime || '');
  return Boolean(match && Number(match[1]) >= 24 && handler.length >= 3);
}

// ---------------------------------------------------------------------------------------------
// Frames

let responseFd = -1;
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

function writeAll(buffer) {
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(responseFd, buffer, offset, buffer.length - offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(pauseCell, 0, 0, 1); // the pool is busy reading: wait a millisecond
    }
  }
}

function send(kind, payload, trace) {
  const payloadLength = payload ? Buffer.byteLength(payload) : 0;
  const traceLength = trace ? Buffer.byteLength(trace) : 0;
  const frame = Buffer.allocUnsafe(RESULT_HEADER_SIZE + payloadLength + traceLength);
  frame.writeUInt8(kind, 0);
  frame.writeUInt32LE(payloadLength, 1);
  frame.writeUInt32LE(traceLength, 5);
  if (payloadLength) frame.write(payload, RESULT_HEADER_SIZE, payloadLength, 'utf8');
  if (traceLength) frame.write(trace, RESULT_HEADER_SIZE + payloadLength, traceLength, 'utf8');
  writeAll(frame);
}

function sendError(kind, error) {
  const details = lambdaError(error);
  send(kind, JSON.stringify(details), traceText(details));
}

// ---------------------------------------------------------------------------------------------
// Invocations

let input = null; // the request pipe
let handler = null;
let handlerIsAsync = false;
let current = null; // the invocation in progress
let onDrain = null; // what completes it when the event loop runs dry

const environment = {
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  invokedFunctionArn: process.env.CORSWAY_FUNCTION_ARN,
};

function finish(invocation) {
  invocation.reported = true;
  if (current === invocation) current = null;
  onDrain = null;
  input.ref();
}

function reportResult(invocation, result) {
  if (invocation.reported) return;
  let json;
  try {
    json = JSON.stringify(result === undefined ? null : result);
  } catch (_) {
    reportError(invocation, new Error('Unable to stringify response body'));
    return;
  }
  if (json === undefined) json = 'null';
  const size = Buffer.byteLength(json);
  if (size > MAX_RESPONSE_BYTES) {
    reportError(
      invocation,
      new RuntimeError(
        'Function.ResponseSizeTooLarge',
        `Response payload size (${size} bytes) exceeded maximum allowed payload size ` +
          `(${MAX_RESPONSE_BYTES} bytes).`,
      ),
    );
    return;
  }
  finish(invocation);
  send(RESULT, json, '');
}

function reportError(invocation, error) {
  if (invocation.reported) return;
  finish(invocation);
  sendError(ERROR, error);
}

function invoke(requestId, eventText, deadlineMs) {
  const invocation = { reported: false };
  current = invocation;
  let completed = false; // only the first callback / succeed / fail / done counts
  let waits = true;

  const done = (error, result) => {
    if (completed || invocation.reported) return;
    completed = true;
    if (error !== undefined && error !== null) reportError(invocation, error);
    else reportResult(invocation, result);
  };
  const callback = (error, result) => {
    if (completed || invocation.reported) return; // a late call must not touch the next one
    completed = true;
    if (error !== undefined && error !== null) reportError(invocation, error);
    else if (!waits) reportResult(invocation, result);
    else onDrain = () => reportResult(invocation, result);
  };
  const succeed = (result) => done(null, result);
  const fail = (error) => done(error === undefined || error === null ? 'handled' : error, null);
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waits;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waits = value;
    },
    succeed,
    fail,
    done,
    functionVersion: environment.functionVersion,
    functionName: environment.functionName,
    memoryLimitInMB: environment.memoryLimitInMB,
    logGroupName: environment.logGroupName,
    logStreamName: environment.logStreamName,
    clientContext: undefined,
    identity: undefined,
    invokedFunctionArn: environment.invokedFunctionArn,
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
  };

  // If nothing completes the invocation before the event loop runs dry:
  onDrain = handlerIsAsync
    ? () => reportError(invocation, new RuntimeError('Runtime.NodeJsExit', NODEJS_EXIT_MESSAGE))
    : () => reportResult(invocation, null);
  input.unref(); // let the loop run dry while the handler works (see 'beforeExit' below)

  let returned;
  try {
    returned = handler(JSON.parse(eventText), context, callback);
  } catch (error) {
    callback(error);
    return;
  }
  if (returned && typeof returned.then === 'function') {
    returned.then(succeed, fail).catch(fail);
  }
}

function onBeforeExit() {
  const action = onDrain;
  if (action) {
    onDrain = null;
    action();
  } else if (input) {
    input.ref();
  }
}

/**
 * An uncaught exception or an unhandled rejection ends the execution environment, as on Lambda
 * (exit status 129 / 128). The error is printed, as Lambda logs it, and no result is sent: the
 * pool sees the exit, fails the invocation in progress with Runtime.ExitError, and cannot hand
 * this dying worker another request in between.
 */
function fatal(kind, error, exitCode) {
  if (!handler) {
    sendError(INIT_ERROR, error);
  } else {
    process.stderr.write(`${kind}: ${traceText(lambdaError(error))}`);
  }
  process.exit(exitCode);
}

function readInvocations() {
  let pending = null;
  input.on('data', (chunk) => {
    pending = pending ? Buffer.concat([pending, chunk]) : chunk;
    while (pending && pending.length >= INVOCATION_HEADER_SIZE) {
      const idLength = pending.readUInt32LE(0);
      const eventLength = pending.readUInt32LE(4);
      const end = INVOCATION_HEADER_SIZE + idLength + eventLength;
      if (pending.length < end) break;
      const deadlineMs = Math.round(pending.readDoubleLE(8) * 1000); // whole ms, as on Lambda
      const requestId = idLength
        ? pending.toString('utf8', INVOCATION_HEADER_SIZE, INVOCATION_HEADER_SIZE + idLength)
        : crypto.randomUUID(); // an empty id: the worker makes one (see protocol.py)
      const eventText = pending.toString('utf8', INVOCATION_HEADER_SIZE + idLength, end);
      pending = pending.length === end ? null : pending.subarray(end);
      invoke(requestId, eventText, deadlineMs);
    }
  });
  input.on('end', () => process.exit(0)); // the pool closed the pipe: shut down
  input.on('error', () => process.exit(0));
}

async function serve() {
  const requestFd = Number(process.env.CORSWAY_REQUEST_FD);
  responseFd = Number(process.env.CORSWAY_RESPONSE_FD);
  delete process.env.CORSWAY_REQUEST_FD;
  delete process.env.CORSWAY_RESPONSE_FD;
  delete process.env.CORSWAY_FUNCTION_ARN;
  process.on('uncaughtException', (error) => fatal('Uncaught Exception', error, 129));
  process.on('unhandledRejection', (reason) => {
    const error = new RuntimeError('Runtime.UnhandledPromiseRejection', String(reason));
    if (reason && typeof reason.stack === 'string') {
      error.stack = [error.stack, ...reason.stack.split('\n').slice(1)].join('\n');
    }
    fatal('Unhandled Promise Rejection', error, 128);
  });
  const appRoot = process.cwd(); // the pool starts us in the function's code directory
  const runtime = (process.env.AWS_EXECUTION_ENV || '').replace(/^AWS_Lambda_/, '');
  try {
    handler = await loadHandler(appRoot, process.env._HANDLER || '');
    if (callbackRemoved(runtime, handler)) {
      handler = null;
      throw new RuntimeError('Runtime.CallbackHandlerDeprecated', CALLBACK_REMOVED_MESSAGE);
    }
  } catch (error) {
    sendError(INIT_ERROR, error);
    process.exit(1);
  }
  handlerIsAsync = Boolean(handler.constructor && handler.constructor.name === 'AsyncFunction');
  input = new net.Socket({ fd: requestFd, readable: true, writable: false });
  process.on('beforeExit', onBeforeExit);
  readInvocations();
  send(READY, '', '');
}

// ---------------------------------------------------------------------------------------------
// Start-up check: load every handler once, report what is wrong

function setEnvironment(base, extra) {
  for (const name of Object.keys(process.env)) {
    if (!(name in base)) delete process.env[name];
  }
  Object.assign(process.env, base, extra);
}

async function checkOne(fn) {
  const report = { key: fn.key, status: 'ok' };
  try {
    process.chdir(fn.dir);
  } catch (_) {
    // the directory was checked by corsway; a handler that needs it will say so
  }
  try {
    const loaded = await loadHandler(fn.dir, fn.handler);
    if (callbackRemoved(fn.runtime, loaded)) report.status = 'callback_removed';
  } catch (error) {
    const details = lambdaError(error);
    report.errorType = details.errorType;
    report.errorMessage = details.errorMessage;
    if (error && error.name === 'Runtime.HandlerNotFound') {
      report.status = error.actualType ? 'not_function' : 'not_exported';
      report.exported = error.exported || [];
      report.actualType = error.actualType || '';
    } else {
      report.status = 'load_error';
    }
  }
  return report;
}

async function check() {
  const output = (text) => fs.writeSync(1, text);
  // Whatever the user's modules print while loading must not mix with the report.
  process.stdout.write = process.stderr.write.bind(process.stderr);
  // A module that throws later (a timer, a rejected promise) must not stop the check.
  process.on('uncaughtException', () => {});
  process.on('unhandledRejection', () => {});
  const request = JSON.parse(fs.readFileSync(0, 'utf8'));
  const base = { ...process.env };
  const reports = [];
  for (const fn of request.functions) {
    setEnvironment(base, fn.env || {});
    reports.push(await checkOne(fn));
  }
  output(JSON.stringify({ node: process.version, functions: reports }) + '\n');
  process.exit(0);
}

if (process.argv[2] === '--check') {
  check().catch((error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exit(2);
  });
} else {
  serve().catch((error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });
}
