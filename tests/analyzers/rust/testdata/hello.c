#include <stdio.h>

int main(void) {
    puts("logtool 0.3.0");
    return 0;
}
