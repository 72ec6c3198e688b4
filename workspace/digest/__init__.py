"""The weekly digest: what it says (``content``), the mail (``mail``), sending it once per week
(``services``) and when it is due in each reader's zone (``schedule``, pure). docs/digest.md."""
