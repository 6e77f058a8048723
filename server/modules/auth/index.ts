/** What other modules may use of auth. */
export { endUserSessions, type SessionEndReason } from './sessions';
