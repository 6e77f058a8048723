/**
 * Keeps a <dialog> shown modally exactly while `open` holds: showModal() traps focus, makes the page
 * behind inert and lets Escape close it; the browser returns focus to where it was on close.
 * `firstFocus` picks where the work starts, so focus does not land on the close button.
 */
export function syncModal(dialog: HTMLDialogElement, open: boolean, firstFocus: (dialog: HTMLDialogElement) => HTMLElement | null): void {
  if (open && !dialog.open) {
    dialog.showModal();
    firstFocus(dialog)?.focus();
  } else if (!open && dialog.open) {
    dialog.close();
  }
}
