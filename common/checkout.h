/* The guest script that makes a copied workspace a git checkout. */
#ifndef BANGER_CHECKOUT_H
#define BANGER_CHECKOUT_H

extern const char checkout_sh[];

#endif
