// Behaviour that pages used to carry inline: the Content-Security-Policy allows scripts from our own files only.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
