// The console's only way to the broker: POST /api/<gRPC method> with the
// protobuf JSON mapping of the request (docs/console.md). The browser's
// client certificate is the credential; no cookie, no token.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function answer(res) {
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (!res.ok) throw new ApiError(res.status, json?.code ?? "UNKNOWN", json?.message ?? res.statusText);
  return json;
}

export async function call(method, request = {}) {
  const res = await fetch(`/api/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(request),
    cache: "no-store",
  });
  return answer(res);
}

export async function session() {
  return answer(await fetch("/api/session", { cache: "no-store" }));
}
