from django import forms, template

register = template.Library()

WIDGET_CLASSES = {
    forms.CheckboxInput: "utrecht-checkbox utrecht-checkbox--html-input",
    forms.RadioSelect: "utrecht-radio-button",
    forms.CheckboxSelectMultiple: "utrecht-checkbox",
    forms.Select: "utrecht-select utrecht-select--html-select",
    forms.SelectMultiple: "utrecht-select utrecht-select--html-select",
    forms.Textarea: "utrecht-textarea utrecht-textarea--html-textarea",
    forms.FileInput: "utrecht-textbox",
}


@register.simple_tag
def widget(field):
    """Render a bound field's widget with NL Design System classes and the ids of its
    description and error message in aria-describedby."""
    css = "utrecht-textbox utrecht-textbox--html-input"
    for widget_type, classes in WIDGET_CLASSES.items():
        if isinstance(field.field.widget, widget_type):
            css = classes
            break
    attrs = {"class": css}
    if field.field.required and not isinstance(
            field.field.widget, (forms.HiddenInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
        # Announced by screen readers even where a form leaves out the HTML `required`
        # attribute (so that browsers do not style untouched fields as invalid).
        attrs["aria-required"] = "true"
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
        attrs["class"] += " utrecht-textbox--invalid"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field):
    return isinstance(field.field.widget, forms.CheckboxInput)
