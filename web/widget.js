// Parley loader (docs/EMBED.md)
(()=>{
let w=window, d=document, S=w.SupportChat, H={}, c, base, O, K, st, root, W, P, n, F, up, open, pv, unread=0;
if (S && !S.q) return;
let me=d.currentScript;
let emit=(e, v)=>H[e]?.map(f=>f(v));
let load=()=>{ try { st=JSON.parse(localStorage[K]) } catch {} st ||= {} };
let save=()=>{ try { localStorage[K]=JSON.stringify(st) } catch {} };
let post=m=>{ try { up && F.contentWindow.postMessage(m, O) } catch {} };
let page=()=>location.origin + location.pathname;
let render=()=>{
W.className=(open ? 'o ' : pv ? 'v ' : '') + (unread ? 'u' : '');
n.textContent=unread > 9 ? '9+' : unread;
};
let make=()=>{
if (F || !root) return;
F=d.createElement('iframe');
F.title='Support chat';
F.onload=()=>post({ ...c, ...st, type: 'init', open, page: page() }, up=1);
F.src=base + '/chat/';
P.append(F);
};
let mount=async ()=>{
try { c={ ...await (await fetch(base + '/widget.json', { signal: AbortSignal.timeout(3e3) })).json(), ...c } } catch {}
let R=c.position == 'left' ? 'left' : 'right';
root=d.createElement('parley-chat');
root.style.cssText='all:initial!important;position:fixed!important;z-index:2147483000!important';
let sh=root.attachShadow({ mode: 'closed' });
sh.innerHTML=`<style>
#b,#p{position:fixed;bottom:20px;${R}:20px;box-shadow:0 4px 16px #0004}
#b{width:56px;height:56px;padding:0;border:0;border-radius:50%;background:var(--c,#2f5bea);cursor:pointer}
svg{width:26px;fill:none;stroke:#fff;stroke-width:2}
.o .c,.x,#n{display:none}.o .x,.u:not(.o) #n{display:inline}
#n{position:absolute;top:-3px;right:-3px;padding:0 6px;border-radius:9px;background:#e23;color:#fff;font:700 12px/18px sans-serif}
#p{bottom:96px;width:380px;height:min(500px,100vh - 116px);border-radius:12px;overflow:hidden;visibility:hidden;background:#fff}
.o #p{visibility:visible}
iframe{width:100%;height:100%;border:0}
@media(max-width:480px){.o #p{inset:0;width:auto;height:auto;border-radius:0}.o #b{display:none}}
.v #p{visibility:visible;width:280px;height:86px}
</style><div id=w><div id=p></div><button id=b aria-label="Support chat"><svg viewBox="0 0 24 24"><path class=c d="M21 12a8 8 0 0 1-12 7l-5 1 1-5a8 8 0 1 1 16-3z"/><path class=x d="M6 6l12 12M18 6 6 18"/></svg><span id=n></span></button></div>`;
[W, P, n]=['w', 'p', 'n'].map(i=>sh.getElementById(i));
CSS.supports('color', c.color) && W.style.setProperty('--c', c.color);
P.nextSibling.onclick=api.toggle;
d.body.append(root);
render();
(st.token || c.user?.id || open) && make();
emit('ready');
};
let show=o=>{
if (!c || !o == !open) return;
(open=o) && make(pv=0);
root && render();
post({ type: o ? 'open' : 'close', page: page() });
emit(o ? 'open' : 'close');
};
w.addEventListener('message', e=>{
let m=e.data || 0, t=m.type;
if (!F || e.source != F.contentWindow || e.origin != O) return;
if (t == 'token' || t == 'seen' || t == 'outbox') load(), st[t]=t < 'p' ? (st[t] || []).filter(i=>i.clientId != m.del).concat(m.add) : m[t], save();
if (t == 'unread') pv=m.preview, m.count != unread && emit(t, unread=m.count), render();
t == 'message' && emit(t, m.message);
t == 'close' && show();
t == 'open' && show(1);
});
let api={
init(x={}) {
if (c) return;
base=(x.server || new URL(me?.src || location).origin).replace(/\/+$/, '');
K='parley.visitor@' + (O=new URL(base).origin);
load();
c=x;
d.readyState == 'complete' ? setTimeout(mount) : w.addEventListener('load', mount);
},
identify(user, userHash) {
if (!c) return;
c.user=user; c.userHash=userHash;
post({ type: 'identify', user, userHash });
user?.id && make();
},
open: ()=>show(1),
close: ()=>show(),
toggle: ()=>show(!open),
shutdown() {
if (!c) return;
show();
st={}; save();
F?.remove();
F=up=c.user=c.userHash=pv=0;
unread && (unread=0, emit('unread', 0));
root && render();
},
on: (e, f)=>(H[e] ||= []).push(f)
};
for (let k in api) {
let f=api[k];
api[k]=(...a)=>{ try { return f(...a) } catch (e) { console.warn(e) } };
}
w.SupportChat=api;
(S?.q || []).map(a=>api[a[0]]?.(...a[1]));
})();
