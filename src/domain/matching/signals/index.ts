/**
 * The registered signals, in the order in which they are computed, summed into the score and
 * listed in `explanation.signals`. A signal is a file in this folder (`signal.ts` says what it
 * offers), a line in `SIGNALS` and, when it has options, its options type in `SignalOptions`.
 */
import { classesSignal, type ClassesOptions } from './classes.js'
import { ipcSignal, type IpcOptions } from './ipc.js'
import { relatedSignal, type RelatedOptions } from './related.js'
import type { Signal } from './signal.js'
import { textSignal } from './text.js'

export type SignalOptions = RelatedOptions & ClassesOptions & IpcOptions

export const SIGNALS: readonly ((options: SignalOptions) => Signal)[] = [
  textSignal,
  // after text: its terms come from the best text matches
  relatedSignal,
  classesSignal,
  ipcSignal,
]

export type { KeptLift, KeptText, LiftContext, LiftMatch, LiftSignal, MatchContext, NeedTerms, RescoreContext, Signal, SignalMatch, TextContext, TextMatch, TextSignal } from './signal.js'
