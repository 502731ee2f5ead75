/**
 * A CVM's operations: `GET /cvms/{id}/operations` (PaginatedCvmOperationsResponse) and
 * `GET /cvms/{id}/operation-status`, with their schemas.
 */
import { z } from "zod";
import { cvmPathId } from "./ids";
import { perMode } from "./schemas";
import type { Transport } from "./transport";

/** A CVM operation (openapi `CvmOperationResponse`), names only. */
export interface CvmOperation {
  correlationId: string;
  operationType: string;
  status: string;
  startedAt: string;
  completedAt?: string;
}

/** The schemas of the operation routes. */
export const operationSchemas = perMode(({ model, str, int, opt, dateTime }) => {
  /** OperationEventDetail. */
  const OperationEvent = model({ event_type: str, timestamp: dateTime, state: str }, [
    "event_type",
    "timestamp",
    "state",
  ]);
  /** CvmOperationResponse. */
  const CvmOperation = model(
    {
      correlation_id: str,
      operation_type: str,
      target_state: str,
      triggered_by: int,
      triggered_by_username: opt(str),
      triggered_by_email: opt(str),
      started_at: dateTime,
      completed_at: opt(dateTime),
      duration_ms: opt(int),
      status: str,
      error_message: opt(str),
      sub_operations: z.array(str),
      events: z.array(OperationEvent),
      instance_name: str,
      compose_hash: opt(str),
    },
    [
      "correlation_id",
      "operation_type",
      "target_state",
      "triggered_by",
      "started_at",
      "status",
      "sub_operations",
      "events",
      "instance_name",
    ],
  );
  /** PaginatedCvmOperationsResponse. */
  const CvmOperations = model({ items: z.array(CvmOperation), next_cursor: opt(str), total: int }, [
    "items",
    "total",
  ]);
  /**
   * `GET /cvms/{id}/operation-status`: the document gives no schema (`{}`, "idle if none in
   * progress"); read loosely, the fields of InProgressOperation where present.
   */
  const OperationStatus = z.looseObject({
    status: str.nullish(),
    operation_type: str.nullish(),
    correlation_id: str.nullish(),
  });
  return { CvmOperation, CvmOperations, OperationStatus };
});

const Wire = operationSchemas("tolerant");

/** `GET /cvms/{id}/operations`: one page, newest first. */
export async function listOperations(
  t: Transport,
  cvm: string,
  cursor?: string,
): Promise<{ items: CvmOperation[]; nextCursor?: string }> {
  const raw = await t.call(
    "GET /cvms/{id}/operations",
    "GET",
    `/cvms/${cvmPathId(cvm)}/operations${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`,
    Wire.CvmOperations,
    { subject: `CVM ${cvm}` },
  );
  return {
    items: raw.items.map((o) => ({
      correlationId: o.correlation_id,
      operationType: o.operation_type,
      status: o.status,
      startedAt: o.started_at,
      completedAt: o.completed_at ?? undefined,
    })),
    nextCursor: raw.next_cursor ?? undefined,
  };
}

/** `GET /cvms/{id}/operation-status`: the operation in progress, if any. */
export async function operationStatus(
  t: Transport,
  cvm: string,
): Promise<{ inProgress: boolean; operationType?: string }> {
  const raw = await t.call(
    "GET /cvms/{id}/operation-status",
    "GET",
    `/cvms/${cvmPathId(cvm)}/operation-status`,
    Wire.OperationStatus,
    { subject: `CVM ${cvm}` },
  );
  const inProgress = typeof raw.correlation_id === "string" && raw.status !== "idle";
  return { inProgress, operationType: inProgress ? (raw.operation_type ?? undefined) : undefined };
}
