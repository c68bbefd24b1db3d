def axes_username(request, credentials=None):
    """The user name axes counts failures for: from the credentials when authenticate() is
    called, from the login wizard's field when only the request is known."""
    if credentials and credentials.get("username"):
        return credentials["username"]
    if request is not None and request.method == "POST":
        return request.POST.get("auth-username")
    return None
