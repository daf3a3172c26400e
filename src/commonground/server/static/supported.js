// GOV.UK Frontend's components start only where ES modules run (its documented check).
document.body.className += ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
