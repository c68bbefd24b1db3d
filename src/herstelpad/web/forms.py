"""Form rendering in NL Design System markup (utrecht-form-field and friends)."""

from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    form_template_name = "web/forms/form.html"
    field_template_name = "web/forms/field.html"
