// Where a kiosk keeps its device token and its outbox: localStorage, one key per counter code.

const TOKEN_PREFIX = 'lingting.kiosk.token.'
const QUEUE_PREFIX = 'lingting.kiosk.queue.'

export function tokenKey(counterCode: string): string {
  return TOKEN_PREFIX + counterCode
}

export function queueKey(counterCode: string): string {
  return QUEUE_PREFIX + counterCode
}

/** The device token paired for this counter, or null. */
export function readToken(counterCode: string): string | null {
  try {
    return localStorage.getItem(tokenKey(counterCode)) || null
  } catch {
    return null
  }
}

export function writeToken(counterCode: string, token: string): void {
  try {
    localStorage.setItem(tokenKey(counterCode), token)
  } catch {
    // not remembered: the kiosk pairs again after a reload
  }
}

export function clearToken(counterCode: string): void {
  try {
    localStorage.removeItem(tokenKey(counterCode))
  } catch {
    // nothing stored
  }
}

/** Six digits, as the administrator's pairing code is shown. */
export function normalizePairingCode(input: string): string {
  return input.replace(/\D+/g, '').slice(0, 6)
}
