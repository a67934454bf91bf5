import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { LOCAL_USER_HEADER } from "@quartermaster/core/contract";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { regionOfApiUrl, signRequest } from "./sign";

/** An error answer of the API, with its field details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ApiError";
  }
}

/** Quartermaster could not be reached, or did not answer in time. Exit code 3. */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly source: string,
    why: string,
    options?: { cause?: unknown },
  ) {
    super(`could not reach ${url} (from ${source}): ${why}`, options);
    this.name = "UnreachableError";
  }
}

/** Usage errors: a missing flag, a bad value, no API URL. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** The API's URL and where it came from, for the message when it cannot be reached. */
export interface ApiTarget {
  url: string;
  source: string;
}

/**
 * The API URL: `--api`, then `QM_API_URL`, then the `ApiUrl` output of the deployed stage
 * (`.sst/outputs.json`, written by `sst deploy`).
 */
export function resolveApi(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): ApiTarget {
  const trim = (url: string) => url.replace(/\/+$/, "");
  if (flag) return { url: trim(flag), source: "--api" };
  if (env.QM_API_URL) return { url: trim(env.QM_API_URL), source: "QM_API_URL" };
  const outputs = join(cwd, ".sst", "outputs.json");
  if (existsSync(outputs)) {
    const parsed = JSON.parse(readFileSync(outputs, "utf8")) as Record<string, Record<string, string>>;
    const stage = env.SST_STAGE;
    const match = Object.entries(parsed).find(
      ([stack, out]) => out.ApiUrl && (!stage || stack.startsWith(`${stage}-`)),
    );
    if (match?.[1].ApiUrl) return { url: trim(match[1].ApiUrl), source: `.sst/outputs.json (${match[0]})` };
  }
  throw new UsageError(
    "No API URL: pass --api, set QM_API_URL, or deploy a stage (sst deploy writes .sst/outputs.json)",
  );
}

/** How long one call may take before the CLI gives up on it (exit code 3). */
export const CALL_TIMEOUT_MS = 30_000;

export interface ApiClientOptions {
  baseUrl: string;
  /** Where `baseUrl` came from (`--api`, `QM_API_URL`, `.sst/outputs.json`), named when it cannot be reached. */
  source?: string;
  env: NodeJS.ProcessEnv;
  credentials?: AwsCredentialIdentityProvider;
}

/** Calls the Quartermaster API, signing with SigV4 (execute-api) from the default credential chain. */
export class ApiClient {
  private readonly base: URL;
  private readonly credentials: AwsCredentialIdentityProvider;

  constructor(private readonly options: ApiClientOptions) {
    this.base = new URL(options.baseUrl);
    // Environment variables after granted's `assume`, AWS_PROFILE, SSO profiles: the SDK's chain.
    this.credentials = options.credentials ?? fromNodeProviderChain();
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    options: { text?: boolean } = {},
  ): Promise<T> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, "")}${path}`, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let sendHeaders: Record<string, string> = {
      ...headers,
      ...(payload ? { "content-type": "application/json" } : {}),
    };
    // Local mode serves on loopback without auth (QM_LOCAL_USER names the caller there); everything else is signed.
    if (LOOPBACK.has(url.hostname)) {
      const user = this.options.env.QM_LOCAL_USER;
      if (user && !Object.keys(sendHeaders).some((h) => h.toLowerCase() === LOCAL_USER_HEADER))
        sendHeaders[LOCAL_USER_HEADER] = user;
    } else {
      const region =
        regionOfApiUrl(url) ??
        this.options.env.AWS_REGION ??
        this.options.env.AWS_DEFAULT_REGION ??
        "us-east-1";
      sendHeaders = await signRequest(
        { method, url, headers: sendHeaders, body: payload },
        { credentials: this.credentials, region },
      );
      delete sendHeaders.host;
    }
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers: sendHeaders,
        body: payload,
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      text = await res.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      const why =
        (error as Error).name === "TimeoutError"
          ? `no answer within ${CALL_TIMEOUT_MS / 1000} s`
          : (cause?.code ?? (error as Error).message);
      throw new UnreachableError(this.base.href, this.options.source ?? "the API URL", why, { cause: error });
    }
    if (res.ok && options.text) return text as T;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch (error) {
      throw new ApiError(
        res.status,
        "BAD_RESPONSE",
        `The API answered ${res.status} with a non-JSON body`,
        [],
        {
          cause: error,
        },
      );
    }
    if (!res.ok) {
      const err = (
        parsed as {
          error?: { code?: string; message?: string; details?: { path: string; message: string }[] };
        }
      )?.error;
      throw new ApiError(
        res.status,
        err?.code ?? String(res.status),
        err?.message ?? (text || res.statusText),
        err?.details,
      );
    }
    return parsed as T;
  }
}
