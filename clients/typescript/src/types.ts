/**
 * The API's types, every one derived from the types `npm run generate` writes from the committed
 * OpenAPI document (`docs/openapi.json`), so what a frontend compiles against is what the server
 * serves. Nothing here is written by hand but the names.
 */

import type { components, paths } from "./generated/openapi.js";
import type { MockScenario } from "./scenarios.js";

type Schemas = components["schemas"];

/** A persona as process-persona returns it and get-persona serves it. */
export type Persona = Schemas["Persona"];
/** A persona as save-persona takes it: process's persona, edited or not. */
export type PersonaDraft = SaveRequest["persona"];
/** A quote from the source that supports one field of the persona. */
export type Evidence = Schemas["Evidence"];
/** A persona id: 21 characters of `[A-Za-z0-9_-]`. */
export type PersonaId = Schemas["PersonaId"];

/** The body of `POST /api/process-persona`. */
export type ProcessRequest = NonNullable<
  paths["/api/process-persona"]["post"]["requestBody"]
>["content"]["application/json"];
/** `data` of a process-persona answer: persona, warnings, grounding and usage. */
export type ProcessResult = Schemas["ProcessData"];

/** The body of `POST /api/save-persona`. */
export type SaveRequest = NonNullable<
  paths["/api/save-persona"]["post"]["requestBody"]
>["content"]["application/json"];
/** `data` of a save-persona answer: the new id and the metadata. */
export type SaveResult = Schemas["SaveData"];
/** How much material a persona came from (`source` of a save). */
export type SourceCounts = NonNullable<SaveRequest["source"]>;

/** `data` of a get-persona answer: id, persona, metadata and the grounding saved with it. */
export type StoredPersonaResult = Schemas["GetData"];
/** What a store keeps beside the persona. */
export type Metadata = Schemas["Metadata"];

/** What the source supports in a persona, field by field. */
export type Grounding = Schemas["Grounding"];
export type GroundingMode = Schemas["GroundingMode"];
export type GroundingStatus = Schemas["GroundingStatus"];
export type GroundingCounts = Schemas["GroundingCounts"];
export type FieldGrounding = Schemas["FieldGrounding"];
export type GroundedFields = Schemas["GroundedFields"];
export type Span = Schemas["Span"];

/** Something the rules changed in a draft. */
export type Warning = Schemas["Warning"];
export type WarningCode = Schemas["WarningCode"];
/** What a process-persona call cost. */
export type Usage = Schemas["UsageData"];

/** The `error` of a failed answer's envelope. */
export type ErrorBody = Schemas["ErrorBody"];
/** An error code the server answers with. */
export type ErrorCode = Schemas["ErrorCode"];
/** One problem in a request: a JSON pointer and what is wrong. */
export type ErrorDetail = Schemas["Detail"];
/** `{"success": false, "error": …}`. */
export type ErrorResponse = Schemas["ErrorResponse"];

/** What `health` reports. */
export type HealthResult = Schemas["HealthData"];

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call; it then rejects with a `PersonaApiError` of code `ABORTED`. */
  signal?: AbortSignal | undefined;
  /**
   * Mock mode only: the outcome to simulate (`x-mock-scenario`), answered as the real service
   * would. The mock models it; the client sends it, and a server not in mock mode ignores it.
   */
  scenario?: MockScenario | undefined;
}

/** A background job (`Prefer: respond-async`): status, progress, and its result once ended. */
export type Job = Schemas["JobView"];
/** `queued`, `running`, then `succeeded` or `failed` for good. */
export type JobStatus = Schemas["JobStatusData"];
/** Chunks of the material extracted so far, of how many, and completion tokens so far. */
export type JobProgress = Schemas["JobProgressData"];

/** Options of `processPersona`. */
export interface ProcessOptions extends CallOptions {
  /**
   * Ask for a background job (`Prefer: respond-async`) and follow it until it ends, polling
   * get-job with a growing interval; `signal` stops the polling. A server that does not run jobs
   * answers at once, as without it.
   */
  async?: boolean | undefined;
  /** Each report of the job while it is followed (status and progress). */
  onProgress?: ((job: Job) => void) | undefined;
  /**
   * Extract afresh (`Cache-Control: no-cache`) even when the server kept a result for the same
   * material; the new result replaces the kept one. The in-browser mock keeps nothing.
   */
  fresh?: boolean | undefined;
}

/** Options of `savePersona`. */
export interface SaveOptions extends CallOptions {
  /**
   * The grounding process-persona returned, saved beside the persona; null or undefined for
   * none (so a persona loaded with `getPersona` can be saved again with its `grounding` as is).
   */
  grounding?: Grounding | null | undefined;
}

/**
 * The three operations, the same whether they talk to the server (`apiPersonaService`) or run in
 * the browser (`mockPersonaService`). Each returns the envelope's `data` or throws a
 * `PersonaApiError`.
 */
export interface PersonaService {
  processPersona(
    textBlocks: ProcessRequest["textBlocks"],
    links?: ProcessRequest["links"],
    options?: ProcessOptions,
  ): Promise<ProcessResult>;
  savePersona(
    persona: PersonaDraft,
    source?: SourceCounts,
    options?: SaveOptions,
  ): Promise<SaveResult>;
  /**
   * The persona saved under `id`. The server's client keeps each persona it read with its
   * `ETag` and asks again with `If-None-Match`: a 304 (no body) is answered from that copy.
   */
  getPersona(id: PersonaId, options?: CallOptions): Promise<StoredPersonaResult>;
}
