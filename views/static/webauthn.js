/*
 * WebAuthn ceremonies of the gateway's pages (no inline script: served from /static).
 * A <section data-webauthn="authenticate|register"> names its endpoints and carries its
 * messages (already translated by the server); this script asks the server for options,
 * runs the ceremony with @simplewebauthn/browser (served locally), posts the result and
 * follows the server's `redirectTo`. Messages go to a live region read by screen readers; a
 * cancelled dialog gets the message the page chose for it (signed in or not, enrolling or not).
 */
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  var root = document.querySelector('[data-webauthn]');
  if (!root || !lib) return;

  var mode = root.getAttribute('data-webauthn');
  var status = root.querySelector('[data-webauthn-status]');
  var button = root.querySelector('[data-webauthn-start]');
  var nameInput = root.querySelector('[data-webauthn-name]');
  // A block without its start button (e.g. /account before the identity is confirmed) has nothing to run.
  if (!status || !button) return;
  var busy = false;

  function message(name) {
    return root.getAttribute('data-msg-' + name) || name;
  }

  function show(text, kind) {
    status.textContent = text;
    status.className = 'status' + (kind ? ' status-' + kind : '');
  }

  if (!lib.browserSupportsWebAuthn()) {
    return;
  }
  root.hidden = false;

  var csrf = root.getAttribute('data-csrf');

  function post(url, body) {
    var headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (csrf) headers['x-csrf-token'] = csrf;
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers,
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.message || message('network'));
          error.fromServer = true;
          error.code = data.error;
          throw error;
        }
        return data;
      });
    }, function () {
      var error = new Error(message('network'));
      error.fromServer = true;
      throw error;
    });
  }

  function explain(error) {
    if (error.fromServer) return error.message;
    var name = (error.cause && error.cause.name) || error.name;
    if (error.code === 'ERROR_CEREMONY_ABORTED' || name === 'AbortError') return null;
    if (error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError') return message('invalid-state');
    var cancelled = mode === 'register' ? 'register-not-allowed' : 'not-allowed';
    if (name === 'NotAllowedError') return message(cancelled);
    if (name === 'SecurityError') return message('security');
    if (name === 'NotSupportedError') return message('not-supported');
    return message(cancelled);
  }

  function run(conditional) {
    return post(root.getAttribute('data-options-url'), { conditional: conditional }).then(function (optionsJSON) {
      if (!conditional) show(message('working'));
      return mode === 'register'
        ? lib.startRegistration({ optionsJSON: optionsJSON })
        : lib.startAuthentication({ optionsJSON: optionsJSON, useBrowserAutofill: conditional });
    }).then(function (response) {
      if (conditional) {
        // A passkey was picked from the autofill: from here on, the person is waiting for us.
        picked = true;
        busy = true;
        button.disabled = true;
        show(message('working'));
      }
      var body = { response: response };
      if (nameInput) body.name = nameInput.value;
      return post(root.getAttribute('data-verify-url'), body);
    }).then(function (result) {
      window.location.assign(result.redirectTo);
    });
  }

  function fail(error) {
    busy = false;
    button.disabled = false;
    var text = explain(error);
    if (text) {
      show(text, 'error');
      button.focus();
    }
  }

  button.addEventListener('click', function () {
    if (busy) return;
    busy = true;
    button.disabled = true;
    run(false).catch(fail);
  });

  // The background passkey autofill (conditional mediation) runs without anyone asking: until
  // a passkey is picked from it, its failures (no choice before the timeout, options refused,
  // aborted by the button) stay silent and leave the focus where it is. After a pick, the
  // person acted, and a failure is said as for the button.
  var picked = false;
  if (mode === 'authenticate' && root.getAttribute('data-conditional') === 'true') {
    lib.browserSupportsWebAuthnAutofill().then(function (supported) {
      if (!supported) return;
      return run(true).catch(function (error) {
        if (picked) fail(error);
      });
    }).catch(function () { /* no autofill: the button remains */ });
  }
})();
