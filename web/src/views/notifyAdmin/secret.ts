// A random signing secret for a webhook or a DingTalk robot (加签), made in the browser: the
// server never answers secrets, so the one generated here is shown once after saving.

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'

/** length characters from a 56-letter alphabet (about 5.8 bits each), from crypto.getRandomValues. */
export function generateSecret(length = 40): string {
  const out: string[] = []
  const buf = new Uint8Array(length * 2)
  while (out.length < length) {
    crypto.getRandomValues(buf)
    for (const b of buf) {
      // 224 = 4 × 56: no modulo bias
      if (b < 224 && out.length < length) out.push(ALPHABET[b % ALPHABET.length]!)
    }
  }
  return out.join('')
}
