// "Bo has this conversation — take it over?": assignment never takes a colleague's
// conversation silently; the agent confirms, and the take-over holds only for the version seen.
import { $ } from './dom.js';

/** Resolves true when the agent chose to take over from `holderName`. */
export function askTakeOver(holderName) {
  const dlg = $('#takeover-dialog');
  $('#takeover-text').textContent = `${holderName} has this conversation. Take it over? ${holderName} will see that you did.`;
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'take'), { once: true });
    dlg.returnValue = '';
    dlg.showModal();
    dlg.querySelector('[value="take"]').focus();
  });
}
