from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024  # 2 GiB; the engine streams, so size is not memory


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV-bestand"), help_text=_(
        "UTF-8, komma's als scheidingsteken, met een kopregel. Datums als JJJJ-MM-DD."))
    dry_run = forms.BooleanField(label=_("Alleen controleren (proefimport, niets opslaan)"),
                                 required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("Het bestand is leeg."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Het bestand is groter dan 2 GB."))
        return upload
