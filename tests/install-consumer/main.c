/* Uses an installed libsipua through its public header only. */
#include <stdio.h>
#include <string.h>

#include <sipua/base.h>

int main(void)
{
    const char *version = sipua_version();
    const char *text = sipua_strerror(SIPUA_EPARSE);

    printf("sipua %s; SIPUA_EPARSE: %s\n", version, text);
    if (version == NULL || strcmp(version, SIPUA_VERSION_STRING) != 0) {
        fprintf(stderr, "library version %s does not match header version %s\n",
                version ? version : "(null)", SIPUA_VERSION_STRING);
        return 1;
    }
    if (text == NULL || text[0] == '\0') {
        fprintf(stderr, "sipua_strerror(SIPUA_EPARSE) is empty\n");
        return 1;
    }
    return 0;
}
