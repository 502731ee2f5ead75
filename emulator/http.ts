/**
 * Replies and error bodies in the shapes of Phala Cloud error codes: FastAPI `{"detail": …}`,
 * FastAPI 422 validation lists, and structured `ERR-MM-NNN` errors carrying a `request_id`.
 */

/** One HTTP answer of a handler. `body` undefined = no body (204). */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Thrown by handlers to answer with an error reply. */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

/** Context of the request being answered. */
export interface RequestContext {
  requestId: string;
}

/** `{"detail": message}` with the given status. */
export function detail(status: number, message: unknown, headers?: Record<string, string>): ReplyError {
  return new ReplyError({ status, body: { detail: message }, ...(headers ? { headers } : {}) });
}

/** One entry of a FastAPI 422 list. The offending input is never echoed (it may be a ciphertext). */
export interface ValidationIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** FastAPI 422: `{"detail":[{loc,msg,type}]}`. */
export function validation(...issues: ValidationIssue[]): ReplyError {
  return new ReplyError({ status: 422, body: { detail: issues } });
}

/** A structured error detail entry. */
export interface StructuredDetail {
  field: string;
  value: unknown;
  message: string | null;
}

/** Structured error: `{error_code, message, request_id, details, suggestions, links}` (Phala Cloud error codes). */
export function structured(
  ctx: RequestContext,
  status: number,
  errorCode: string,
  message: string,
  details: StructuredDetail[] = [],
  suggestions: string[] = [],
): ReplyError {
  return new ReplyError({
    status,
    body: { error_code: errorCode, message, request_id: ctx.requestId, details, suggestions, links: [] },
  });
}

/** 404 ERR-03-001 (ERR-03-004/005 deliberately share the message, Phala Cloud error codes). */
export function cvmNotFound(ctx: RequestContext, id: string): ReplyError {
  return structured(
    ctx,
    404,
    "ERR-03-001",
    "CVM not found",
    [{ field: "cvm_id", value: id, message: null }],
    ["Check the CVM id; list your CVMs with GET /cvms"],
  );
}

/** 409 while another operation runs on the CVM (`PATCH /cvms/{id}/envs`). */
export function busy(): ReplyError {
  return detail(409, "Another operation in progress");
}
