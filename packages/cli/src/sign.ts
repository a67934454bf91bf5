import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

export interface SignInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** Signs a request with SigV4 and returns the headers to send (authorization, x-amz-date, token). */
export async function signRequest(
  input: SignInput,
  options: {
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
    region: string;
    service?: string;
    signingDate?: Date;
  },
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service ?? "execute-api",
    sha256: Sha256,
    // API Gateway does not need the payload hash header; the signature covers the body anyway.
    applyChecksum: false,
  });
  const query: Record<string, string> = {};
  for (const [k, v] of input.url.searchParams) query[k] = v;
  const request = new HttpRequest({
    method: input.method,
    protocol: input.url.protocol,
    hostname: input.url.hostname,
    port: input.url.port ? Number(input.url.port) : undefined,
    path: input.url.pathname,
    query,
    headers: { host: input.url.host, ...input.headers },
    body: input.body,
  });
  const signed = await signer.sign(request, { signingDate: options.signingDate });
  return signed.headers as Record<string, string>;
}

/** The region of an execute-api URL (`abc.execute-api.eu-west-1.amazonaws.com`), if it is one. */
export function regionOfApiUrl(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
}
