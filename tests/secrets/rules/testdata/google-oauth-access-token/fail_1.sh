#!/bin/sh
curl -H "Authorization: Bearer ya29.LA4cAzbn2L5NB9G3iU3puNtt9wEw_XPSpnqnWSYIEdLDHm1oZYe5u0_hbuXa62sutFpeaFCk8mFLUZAT5vhSC9Yk4BPdfSHZ3k3nXfEx-sLYlFPFFJ5o_7Y_HLhY1wlufPw3psbBn7BeK1VLBxYr9q" \
  https://www.googleapis.com/drive/v3/files
