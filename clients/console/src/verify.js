// Verification of the disclosure log in the browser (docs/log-format.md §5,
// RFC 9162 §2.1.4): the signed tree head's Ed25519 signature over its 92
// bytes, with the pinned log key (WebCrypto), and the consistency proof from
// the trusted head to the new one. The trusted head advances only through a
// verified proof.

export function fromBase64(s) {
  const bin = atob(s ?? "");
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; ++i) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; ++i) d |= a[i] ^ b[i];
  return d === 0;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

async function nodeHash(left, right) {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

function u64(n) {
  const out = new Uint8Array(8);
  let v = BigInt(n);
  for (let i = 7; i >= 0; --i) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

// The 92 signed bytes of a head (docs/log-format.md §5).
export function signedBytes(logId, size, timestampMillis, root) {
  const label = new TextEncoder().encode("RIEC-STH-v1");
  const out = new Uint8Array(92);
  out.set(label, 0);
  out[11] = 0;
  out.set(logId, 12);
  out.set(u64(size), 44);
  out.set(u64(timestampMillis), 52);
  out.set(root, 60);
  return out;
}

// Whether `head` (riec.v1.SignedTreeHead in the JSON mapping) is signed by
// `publicKey` (32 bytes). Throws Error(reason) where it is not.
export async function verifyHead(head, publicKey, reasons) {
  const logId = fromBase64(head.logId);
  if (!equal(await sha256(publicKey), logId)) throw new Error(reasons.badLogId);
  let key;
  try {
    key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    throw new Error(reasons.noWebCrypto);
  }
  const data = signedBytes(logId, head.treeSize, head.timestampMillis, fromBase64(head.rootHash));
  const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, fromBase64(head.signature), data);
  if (!ok) throw new Error(reasons.badSignature);
}

// RFC 9162 §2.1.4.2: whether `proof` shows that the tree of `first` leaves
// with root `firstRoot` is a prefix of the tree of `second` leaves with root
// `secondRoot`.
export async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (first > second) return false;
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0;
  let path = proof;
  if ((first & (first - 1)) === 0) path = [firstRoot, ...proof];
  if (path.length === 0) return false;
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while (fn & 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if (fn & 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!(fn & 1n) && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, firstRoot) && equal(sr, secondRoot);
}
