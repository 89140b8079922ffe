// nrm — passkeys (WebAuthn) in the browser. No build step, no framework.
//
// Each element with data-passkey="create" or "get" is one ceremony: its
// button POSTs {"csrf"} to data-begin, hands the options to
// navigator.credentials, POSTs {"csrf", "credential"} to data-finish, then
// follows the answer's "next" (or submits the enclosing form when
// data-submit is set, as break-glass does). Binary members travel as
// base64url. Every message shown comes translated from the page's
// data-msg-* attributes or from the server's JSON error.
"use strict";

(function () {
  function b64uToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function bufToB64u(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // The server's options, with the members the browser wants as buffers.
  function toPublicKey(kind, opts) {
    var pk = opts.publicKey;
    pk.challenge = b64uToBuf(pk.challenge);
    if (kind === "create") {
      pk.user.id = b64uToBuf(pk.user.id);
      (pk.excludeCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    } else {
      (pk.allowCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    }
    return pk;
  }

  // The PublicKeyCredential as JSON, with buffers as base64url.
  function credentialJSON(c) {
    var r = c.response, out = {
      id: c.id, rawId: bufToB64u(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: { clientDataJSON: bufToB64u(r.clientDataJSON) }
    };
    if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64u(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = bufToB64u(r.authenticatorData);
      out.response.signature = bufToB64u(r.signature);
      if (r.userHandle) out.response.userHandle = bufToB64u(r.userHandle);
    }
    return out;
  }

  // post sends JSON and resolves with the JSON answer; a refusal rejects
  // with the server's (translated) message.
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) return data;
        if (res.status === 401) { window.location.assign("/login"); }
        var e = new Error((data.error && data.error.message) || "");
        e.server = true;
        throw e;
      });
    });
  }

  function setup(el) {
    var kind = el.getAttribute("data-passkey");
    var button = el.querySelector("[data-passkey-start]");
    var status = el.querySelector("[data-passkey-status]");
    var csrf = el.getAttribute("data-csrf");
    function say(key, text, isError) {
      status.textContent = text || el.getAttribute("data-msg-" + key) || "";
      status.classList.toggle("error-message", !!isError);
    }
    if (!window.PublicKeyCredential || !navigator.credentials ||
        (kind === "create" ? !navigator.credentials.create : !navigator.credentials.get)) {
      button.disabled = true;
      say("unsupported", "", true);
      return;
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      say("working");
      post(el.getAttribute("data-begin"), { csrf: csrf }).then(function (opts) {
        var publicKey = toPublicKey(kind, opts);
        return kind === "create" ? navigator.credentials.create({ publicKey: publicKey })
                                 : navigator.credentials.get({ publicKey: publicKey });
      }).then(function (cred) {
        if (!cred) throw new Error("");
        return post(el.getAttribute("data-finish"), { csrf: csrf, credential: credentialJSON(cred) });
      }).then(function (done) {
        say("done");
        var form = el.closest("form");
        if (el.hasAttribute("data-submit") && form) {
          form.submit();
        } else if (done && done.next) {
          window.location.assign(done.next);
        } else {
          window.location.reload();
        }
      }).catch(function (err) {
        button.disabled = false;
        if (err && err.server) return say("failed", err.message, true);
        var name = err && err.name;
        if (name === "NotAllowedError" || name === "AbortError") return say("cancelled", "", true);
        if (name === "InvalidStateError") return say("exists", "", true);
        say("failed", "", true);
      });
    });
  }

  function init() {
    var els = document.querySelectorAll("[data-passkey]");
    for (var i = 0; i < els.length; i++) setup(els[i]);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
