#!/bin/sh
# SPDX-License-Identifier: MIT
# Turns stdin into a C string constant named $1, so schema.sql ships inside the binary.
name=$1
echo "/* Generated from schema.sql by lib/embed.sh: do not edit. */"
echo "static const char ${name}[] ="
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/'
echo ";"
