/// The admin API's OpenAPI 3.1 description, served at `/api/v1/openapi.yaml`.
///
/// A test checks that every route the router registers is described here.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: Huiliu admin API
  version: "1"
  description: >
    Operate a running `huiliu serve`: pipelines with their schedules, runs, dead letters,
    provenance chains, connectors, reload, health and metrics. Every path except /healthz and /readyz needs
    `Authorization: Bearer <token>`; POST needs a token with the write role.
servers:
  - url: /
    description: the gateway serving this document (admin.address and admin.port)
security:
  - bearer: []
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
  schemas:
    Error:
      type: object
      properties:
        error: { type: string }
      required: [error]
    Run:
      type: object
      properties:
        id: { type: string }
        pipeline: { type: string }
        trigger: { type: string, pattern: "^(cli|schedule|retry|api|replay|demo|bench)(:.+)?$", description: "What started the run; api:<token name> for the admin API." }
        status: { type: string, enum: [running, succeeded, failed, cancelled, interrupted] }
        started_at: { type: string, format: date-time }
        finished_at: { type: [string, "null"], format: date-time }
        duration_seconds: { type: [number, "null"] }
        records_read: { type: integer }
        records_written: { type: integer }
        records_failed: { type: integer }
        error: { type: [string, "null"] }
    Pipeline:
      type: object
      properties:
        name: { type: string }
        description: { type: string }
        enabled: { type: boolean }
        schedule: { type: [string, "null"] }
        timezone: { type: string }
        file: { type: string }
        next_run: { type: [string, "null"], format: date-time }
        running: { type: [object, "null"] }
        last_run: { oneOf: [ { $ref: "#/components/schemas/Run" }, { type: "null" } ], description: "The latest sync (a dead-letter replay only when there is none)." }
        last_replay: { $ref: "#/components/schemas/Run", description: "A dead-letter replay after the latest sync, when there is one." }
    DeadLetter:
      type: object
      properties:
        id: { type: integer }
        pipeline: { type: string }
        run: { type: string }
        step: { type: string }
        origin: { type: string }
        reason: { type: string }
        pointer: { type: [string, "null"] }
        rule: { type: [string, "null"] }
        status:
          description: pending; replayed (delivered by the replay run); aborted (its run exceeded errors.max_failure_ratio, so the records are read again); discarded (by an operator); superseded (its record was delivered again, as it is now).
          type: string
          enum: [pending, replayed, aborted, discarded, superseded]
        created_at: { type: string, format: date-time }
        replay_run: { type: [string, "null"], description: The replay run that delivered it. }
        payload:
          description: The raw record, only in GET /api/v1/dead-letters/{id}.
        source_fields:
          description: The envelope fields the source set (key, type, time, dataschema, extensions), restored on replay; only for one letter.
          type: [object, "null"]
  responses:
    Unauthorized:
      description: Missing or invalid bearer token.
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    Forbidden:
      description: The token is read-only.
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    NotFound:
      description: No such resource.
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
  requestBodies:
    LetterIds:
      required: true
      content:
        application/json:
          schema:
            type: object
            required: [ids]
            properties:
              ids: { type: array, items: { type: integer }, minItems: 1 }
paths:
  /:
    get:
      summary: The status page (HTML); it asks for a token and reads this API with it.
      security: []
      responses: { "200": { description: The page, which holds no data itself. } }
  /healthz:
    get:
      summary: The process is alive.
      security: []
      responses: { "200": { description: Alive. } }
  /readyz:
    get:
      summary: The store is reachable and every listener is bound.
      security: []
      responses:
        "200": { description: Ready. }
        "503": { description: Not ready; `checks` says what is not. }
  /metrics:
    get:
      summary: Every metric in Prometheus text format.
      responses:
        "200": { description: Prometheus exposition format 0.0.4. }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/v1/openapi.yaml:
    get:
      summary: This document.
      responses: { "200": { description: OpenAPI 3.1 YAML. } }
  /api/v1/status:
    get:
      summary: What the daemon is doing — runs in progress, last reload.
      responses:
        "200": { description: Status. }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/v1/reload:
    post:
      summary: Re-read and lint the pipeline files; applied only if every one is valid.
      responses:
        "200": { description: Reloaded. }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "422": { description: Problems found; the running set is kept. }
  /api/v1/pipelines:
    get:
      summary: Every pipeline with its schedule, last run and next run.
      responses:
        "200":
          description: Pipelines.
          content:
            application/json:
              schema:
                type: object
                properties:
                  pipelines: { type: array, items: { $ref: "#/components/schemas/Pipeline" } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/v1/pipelines/{name}:
    get:
      summary: One pipeline.
      parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
      responses:
        "200": { description: The pipeline., content: { application/json: { schema: { $ref: "#/components/schemas/Pipeline" } } } }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/v1/pipelines/{name}/runs:
    post:
      summary: Trigger a run now; with a body, a backfill of a cursor range.
      parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
      requestBody:
        required: false
        content:
          application/json:
            schema:
              type: object
              properties:
                backfill: { type: string, description: "FROM..TO: read this range of the source's cursor again (incremental streams only); the saved cursor does not move.", example: "2024-01-01..2024-02-01" }
      responses:
        "202": { description: Accepted; follow it in /api/v1/runs?pipeline=name. }
        "400": { description: The body is not a JSON object, has another option than backfill, or backfill is not FROM..TO. }
        "422": { description: The pipeline's source cannot read a range again. }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { description: The pipeline is already running. }
  /api/v1/runs:
    get:
      summary: Runs, newest first.
      parameters:
        - { name: pipeline, in: query, schema: { type: string } }
        - { name: status, in: query, schema: { type: string, enum: [running, succeeded, failed, cancelled, interrupted] } }
        - { name: limit, in: query, description: at most 1000; more is taken as 1000, schema: { type: integer, minimum: 1, default: 50 } }
      responses:
        "400": { description: An unknown status or a limit that is not a positive number. }
        "200":
          description: Runs.
          content:
            application/json:
              schema:
                type: object
                properties:
                  runs: { type: array, items: { $ref: "#/components/schemas/Run" } }
  /api/v1/runs/{id}:
    get:
      summary: One run.
      parameters: [ { name: id, in: path, required: true, schema: { type: string } } ]
      responses:
        "200": { description: The run., content: { application/json: { schema: { $ref: "#/components/schemas/Run" } } } }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/v1/runs/{id}/cancel:
    post:
      summary: Stop a run at its next batch boundary.
      parameters: [ { name: id, in: path, required: true, schema: { type: string } } ]
      responses:
        "202": { description: Stopping. }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { description: The run is not running. }
  /api/v1/dead-letters:
    get:
      summary: Dead letters, newest first (without payloads).
      parameters:
        - { name: pipeline, in: query, schema: { type: string } }
        - { name: status, in: query, schema: { type: string, enum: [pending, replayed, aborted, discarded, superseded, all] } }
        - { name: limit, in: query, description: at most 1000; more is taken as 1000, schema: { type: integer, minimum: 1, default: 50 } }
      responses:
        "200":
          description: Dead letters, without payload and source_fields.
          content:
            application/json:
              schema:
                type: object
                properties:
                  dead_letters: { type: array, items: { $ref: "#/components/schemas/DeadLetter" } }
  /api/v1/dead-letters/{id}:
    get:
      summary: One dead letter with its raw payload (personal data that mask steps would hide; a write token).
      parameters: [ { name: id, in: path, required: true, schema: { type: integer } } ]
      responses:
        "200": { description: The dead letter., content: { application/json: { schema: { $ref: "#/components/schemas/DeadLetter" } } } }
        "403": { description: A read-only token. }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/v1/dead-letters/replay:
    post:
      summary: Replay dead letters through the pipeline's current steps and sinks.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [pipeline]
              properties:
                pipeline: { type: string }
                ids: { type: array, items: { type: integer }, description: "Default: every pending letter." }
      responses:
        "200": { description: "What was delivered (delivered), what still fails (still_failing), what the source rejected (source_rejects) and what a filter, dedupe or rule left out (passed_on_by_no_step)." }
        "400": { description: Malformed request. }
        "422": { description: The replay could not run. }
  /api/v1/dead-letters/discard:
    post:
      summary: Mark pending dead letters discarded (kept, never replayed), e.g. once the input was fixed and read again.
      requestBody: { $ref: "#/components/requestBodies/LetterIds" }
      responses:
        "200": { description: "The ids discarded, and those left as they were (not pending, or no such letter)." }
        "400": { description: Malformed request. }
  /api/v1/dead-letters/reopen:
    post:
      summary: Make superseded or discarded dead letters pending again, to be replayed after all.
      requestBody: { $ref: "#/components/requestBodies/LetterIds" }
      responses:
        "200": { description: "The ids reopened, and those left as they were (neither superseded nor discarded, or no such letter)." }
        "400": { description: Malformed request. }
  /api/v1/provenance:
    get:
      summary: Every provenance chain, checked, with its head hash (keep it outside the gateway).
      description: >-
        A chain found intact in full within the last 15 minutes is checked from there: its last
        entry then (whose text must still hash the same) and the entries added since; entries
        before it that were rewritten since are found by the next full check. `full=true` checks
        every entry now. A chain found before that is no longer in the store is reported as gone.
        At most 20 problems per chain are listed.
      parameters:
        - { name: full, in: query, schema: { type: boolean, default: false } }
      responses:
        "200":
          description: The chains.
          content:
            application/json:
              schema:
                type: object
                properties:
                  chains:
                    type: array
                    items:
                      type: object
                      properties:
                        pipeline: { type: string }
                        entries: { type: integer }
                        checked: { type: integer, description: Entries read by this request. }
                        head: { type: [string, "null"], description: SHA-256 of the last entry's text. }
                        intact: { type: boolean }
                        problems: { type: array, items: { type: string } }
  /api/v1/provenance/{pipeline}:
    get:
      summary: A pipeline's provenance entries in order, for a copy kept elsewhere.
      parameters:
        - { name: pipeline, in: path, required: true, schema: { type: string } }
        - { name: after, in: query, schema: { type: integer, minimum: 0, default: 0 }, description: Entries after this sequence number. }
        - { name: limit, in: query, description: at most 1000; more is taken as 1000, schema: { type: integer, minimum: 1, default: 100 } }
      responses:
        "200":
          description: Entries; `hash` is SHA-256 of `text`, and each entry's `previous` is the hash before it.
          content:
            application/json:
              schema:
                type: object
                properties:
                  entries:
                    type: array
                    items:
                      type: object
                      properties:
                        sequence: { type: integer }
                        hash: { type: string }
                        text: { type: string, description: The entry as stored and hashed. }
                        entry: { type: [object, "null"], description: "The same text, parsed (null if it is not JSON: it was altered)." }
        "400": { description: Malformed query. }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/v1/connectors:
    get:
      summary: Every source, step and sink.
      responses: { "200": { description: Connectors. } }
  /api/v1/connectors/{kind}/{name}:
    get:
      summary: A connector's specification as JSON Schema and Markdown.
      parameters:
        - { name: kind, in: path, required: true, schema: { type: string, enum: [source, step, sink] } }
        - { name: name, in: path, required: true, schema: { type: string } }
      responses:
        "200": { description: The specification. }
        "404": { $ref: "#/components/responses/NotFound" }
"""#
}
