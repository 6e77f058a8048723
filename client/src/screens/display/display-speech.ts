/**
 * The waiting-room display's voice: a two-tone chime (WebAudio) and the spoken call (the browser's
 * speech synthesis) in the display's language. Browsers allow sound only after someone touched the
 * page once, so the display asks for that tap and remembers the choice.
 */

type Phrases = {
  nowCalling: string;
  next: string;
  waits: string;
  room: string;
  waiting: (n: number) => string;
  noneWaiting: string;
  nobodyCalled: string;
  call: (ticket: string, room: string) => string;
  /** A wait whose lower bound rounds to nothing: "up to 5 min". */
  upTo: (minutes: number) => string;
  /** The tickets the Next list has no room for. */
  more: (n: number) => string;
  /** Badge of a ticket the doctor called again. */
  recall: string;
};

const en: Phrases = {
  nowCalling: 'Now calling',
  next: 'Next',
  waits: 'Waiting times',
  room: 'Room',
  waiting: (n) => (n === 1 ? '1 waiting' : `${n} waiting`),
  noneWaiting: 'Nobody waiting',
  nobodyCalled: 'Please wait for your ticket number',
  call: (ticket, room) => `Ticket ${ticket}, please go to ${room}.`,
  upTo: (minutes) => `up to ${minutes} min`,
  more: (n) => `+${n} more waiting`,
  recall: 'Recall',
};

const dictionaries: Record<string, Phrases> = {
  en,
  pt: {
    nowCalling: 'Chamando agora',
    next: 'Próximos',
    waits: 'Tempo de espera',
    room: 'Sala',
    waiting: (n) => (n === 1 ? '1 aguardando' : `${n} aguardando`),
    noneWaiting: 'Ninguém aguardando',
    nobodyCalled: 'Aguarde o seu número',
    call: (ticket, room) => `Senha ${ticket}, dirija-se à ${room}.`,
    upTo: (minutes) => `até ${minutes} min`,
    more: (n) => `+${n} aguardando`,
    recall: 'Nova chamada',
  },
  es: {
    nowCalling: 'Llamando ahora',
    next: 'Siguientes',
    waits: 'Tiempo de espera',
    room: 'Sala',
    waiting: (n) => (n === 1 ? '1 en espera' : `${n} en espera`),
    noneWaiting: 'Nadie en espera',
    nobodyCalled: 'Espere su número, por favor',
    call: (ticket, room) => `Turno ${ticket}, por favor pase a ${room}.`,
    upTo: (minutes) => `hasta ${minutes} min`,
    more: (n) => `+${n} en espera`,
    recall: 'Nueva llamada',
  },
  fr: {
    nowCalling: 'Appel en cours',
    next: 'Suivants',
    waits: 'Temps d’attente',
    room: 'Salle',
    waiting: (n) => `${n} en attente`,
    noneWaiting: 'Personne en attente',
    nobodyCalled: 'Merci d’attendre votre numéro',
    call: (ticket, room) => `Ticket ${ticket}, merci de vous rendre en ${room}.`,
    upTo: (minutes) => `jusqu’à ${minutes} min`,
    more: (n) => `+${n} en attente`,
    recall: 'Rappel',
  },
  de: {
    nowCalling: 'Aufruf',
    next: 'Als Nächstes',
    waits: 'Wartezeiten',
    room: 'Raum',
    waiting: (n) => `${n} wartend`,
    noneWaiting: 'Niemand wartet',
    nobodyCalled: 'Bitte warten Sie auf Ihre Nummer',
    call: (ticket, room) => `Nummer ${ticket}, bitte in ${room}.`,
    upTo: (minutes) => `bis ${minutes} min`,
    more: (n) => `+${n} weitere wartend`,
    recall: 'Erneuter Aufruf',
  },
};

export function phrases(language: string): Phrases {
  return dictionaries[language.toLowerCase().split('-')[0] ?? 'en'] ?? en;
}

/** "A-004" is read "A 4": letters and the number, not "A minus zero zero four". */
export function spokenTicket(ticket: string): string {
  const match = /^([A-Za-z]+)-?0*(\d+)$/.exec(ticket.trim());
  return match ? `${match[1]!.split('').join(' ')} ${match[2]}` : ticket;
}

export class DisplayVoice {
  private context: AudioContext | null = null;
  private queue: { ticket: string; room: string; language: string }[] = [];
  private busy = false;

  /** Whether sound can play now (the page was touched, or the kiosk allows autoplay). */
  get ready(): boolean {
    return this.context?.state === 'running';
  }

  /** Called from a tap: unlocks audio for the rest of the day. */
  async enable(): Promise<boolean> {
    const Context = window.AudioContext ?? window.webkitAudioContext;
    if (!Context) return false;
    this.context ??= new Context();
    await this.context.resume().catch(() => undefined);
    // Speech synthesis also wants a first utterance inside a gesture on some browsers.
    if ('speechSynthesis' in window) window.speechSynthesis.speak(Object.assign(new SpeechSynthesisUtterance(''), { volume: 0 }));
    return this.ready;
  }

  /** Tries without a gesture (kiosk browsers started with an autoplay policy that allows it). */
  async tryAutoEnable(): Promise<boolean> {
    return this.enable().catch(() => false);
  }

  /** Chime, then the spoken call; calls arriving together are read one after another. */
  announce(ticket: string, room: string, language: string): void {
    this.queue.push({ ticket, room, language });
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.queue.length) {
      const call = this.queue.shift()!;
      await this.chime();
      await this.speak(phrases(call.language).call(spokenTicket(call.ticket), call.room), call.language);
    }
    this.busy = false;
  }

  private chime(): Promise<void> {
    const context = this.context;
    if (!context || context.state !== 'running') return Promise.resolve();
    const start = context.currentTime + 0.02;
    // A soft two-note "ding-dong" (E5, C5) with a quick attack and a long decay.
    [659.25, 523.25].forEach((frequency, i) => {
      const at = start + i * 0.45;
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.35, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.9);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + 1);
    });
    return new Promise((resolve) => setTimeout(resolve, 1300));
  }

  private speak(text: string, language: string): Promise<void> {
    if (!('speechSynthesis' in window) || !this.ready) return Promise.resolve();
    return new Promise((resolve) => {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = language;
      utterance.rate = 0.9;
      const voice = window.speechSynthesis.getVoices().find((v) => v.lang.toLowerCase() === language.toLowerCase()) ??
        window.speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().startsWith(language.toLowerCase().split('-')[0]!));
      if (voice) utterance.voice = voice;
      const done = () => resolve();
      utterance.onend = done;
      utterance.onerror = done;
      window.speechSynthesis.speak(utterance);
      // Some engines never fire end: do not let one stuck call silence the rest.
      setTimeout(done, 8000);
    });
  }

  close(): void {
    void this.context?.close().catch(() => undefined);
    this.context = null;
    this.queue = [];
    if ('speechSynthesis' in window) window.speechSynthesis.cancel();
  }
}

/**
 * A wait as a waiting room is told it: the estimator's median to its 90th percentile, rounded
 * outwards (to 5 minutes, 15 past the hour, whole hours past two) so it never looks more precise
 * than it is, "10–20 min"; a single figure (a quote) gets a band around it. Nothing believable to
 * say (no estimate yet, or zero, which a doctor with no real history of consultation lengths gives)
 * is "—", never "0 min".
 */
export function displayWait(estimate: { p50: number; p90: number } | number | null | undefined, t: Phrases): string {
  if (estimate === null || estimate === undefined) return '—';
  const low = typeof estimate === 'number' ? estimate : estimate.p50;
  const high = typeof estimate === 'number' ? estimate : estimate.p90;
  if (!(high >= 1)) return '—';
  const step = high > 120 ? 60 : high > 60 ? 15 : 5;
  let from = Math.floor(low / step) * step;
  let to = Math.ceil(high / step) * step;
  if (to === from) {
    from = Math.max(0, from - step);
    to += step;
  }
  if (step === 60) return `${from / 60}–${to / 60} h`;
  return from === 0 ? t.upTo(to) : `${from}–${to} min`;
}
