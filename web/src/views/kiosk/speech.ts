// Spoken prompts through the Web Speech API; silently does nothing where it is missing.

/** The best voice for lang among voices: exact match, then the same language (zh-*), else none. */
export function pickVoice(voices: readonly SpeechSynthesisVoice[], lang = 'zh-CN'): SpeechSynthesisVoice | undefined {
  const want = lang.toLowerCase().replace('_', '-')
  const prefix = want.split('-')[0]!
  const norm = (v: SpeechSynthesisVoice) => (v.lang || '').toLowerCase().replace('_', '-')
  return (
    voices.find((v) => norm(v) === want && v.localService) ??
    voices.find((v) => norm(v) === want) ??
    voices.find((v) => norm(v).startsWith(prefix + '-') || norm(v) === prefix)
  )
}

function synth(): SpeechSynthesis | undefined {
  try {
    const s = (globalThis as { speechSynthesis?: SpeechSynthesis }).speechSynthesis
    return s && typeof s.speak === 'function' ? s : undefined
  } catch {
    return undefined
  }
}

/** Says text (cancelling anything still being said). Returns false when speech is unavailable. */
export function speak(text: string, lang = 'zh-CN'): boolean {
  const s = synth()
  const Utterance = (globalThis as { SpeechSynthesisUtterance?: typeof SpeechSynthesisUtterance }).SpeechSynthesisUtterance
  if (!s || !Utterance || !text) return false
  try {
    s.cancel()
    const u = new Utterance(text)
    u.lang = lang
    u.rate = 0.95
    const voice = pickVoice(s.getVoices?.() ?? [], lang)
    if (voice) u.voice = voice
    s.speak(u)
    return true
  } catch {
    return false
  }
}

/** Stops speaking. */
export function hush(): void {
  try {
    synth()?.cancel()
  } catch {
    // nothing to stop
  }
}

/** Asks the browser to load its voices early (Chrome fills getVoices() asynchronously). */
export function warmUpVoices(): void {
  try {
    synth()?.getVoices?.()
  } catch {
    // no voices
  }
}
