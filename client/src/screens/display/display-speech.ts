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
  estimated: string;
  soon: string;
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
  estimated: 'about',
  soon: 'a few minutes',
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
    estimated: 'cerca de',
    soon: 'poucos minutos',
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
    estimated: 'unos',
    soon: 'pocos minutos',
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
    estimated: 'environ',
    soon: 'quelques minutes',
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
    estimated: 'etwa',
    soon: 'wenige Minuten',
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
    const Context = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
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

/** A wait for the waiting room: "a few minutes", "about 10 min", "10–25 min", in the display's language. */
export function displayWait(estimate: { p50: number; p90: number } | number | null | undefined, t: Phrases): string | null {
  if (estimate === null || estimate === undefined) return null;
  const low = Math.round(typeof estimate === 'number' ? estimate : estimate.p50);
  const high = Math.round(typeof estimate === 'number' ? estimate : estimate.p90);
  if (high <= 2) return t.soon;
  if (high <= low) return `${t.estimated} ${low} min`;
  return `${low}–${high} min`;
}
