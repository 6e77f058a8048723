import { api, type Membership, type MyInvitation } from '../../lib/api';
import { session } from '../../lib/state/session.svelte';

/**
 * The signed-in person's invitations to join other orgs. Read when the shell mounts and each time
 * the account menu opens, never on a timer: an invitation is not urgent, and the menu is where it
 * is answered. One per shell, so a different user signing in on this tab never sees the last list.
 */
export class AccountState {
  invitations = $state<MyInvitation[]>([]);
  private loading: Promise<void> | null = null;

  /** A failure keeps the list shown so far: the menu stays usable, and opening it again retries. */
  loadInvitations(): Promise<void> {
    this.loading ??= api.invitations
      .mine()
      .then(
        (list) => {
          this.invitations = list;
        },
        () => undefined,
      )
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /** Joins the org; the org switcher lists it as soon as this resolves. */
  async accept(invitation: MyInvitation): Promise<Membership> {
    const membership = await api.invitations.accept(invitation.id);
    this.forget(invitation);
    await session.loadMe();
    return membership;
  }

  async decline(invitation: MyInvitation): Promise<void> {
    await api.invitations.decline(invitation.id);
    this.forget(invitation);
  }

  private forget(invitation: MyInvitation): void {
    this.invitations = this.invitations.filter((open) => open.id !== invitation.id);
  }
}
