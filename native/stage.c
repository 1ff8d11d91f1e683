/* Placeholder until the exec stage lands: refuses every plan. */
#include <stdio.h>
int main(void) { fputs("tsns: the exec stage is not built yet\n", stderr); return 125; }
