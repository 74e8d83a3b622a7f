/* OpenBLAS first-touch effect, without Swift: times a single-threaded row-major sgemm M×N×K
 * after an optional warm-up product PM×PN×PK (0 0 0 = none).
 *
 *   gcc -O2 Scripts/blas-first-touch.c -o /tmp/first-touch -lopenblas
 *   /tmp/first-touch 2048 256 256 0 0 0        # cold buffer: ≈ 10 GFLOP/s on Zen, OpenBLAS 0.3.21
 *   /tmp/first-touch 2048 256 256 512 512 512  # after one 512³ product: ≈ 33–36 GFLOP/s
 *
 * Prints GFLOP/s for three timing rounds. WindTunnel warms each caller's buffer at start-up
 * (Threads.warmUpBLASBuffers). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int m=atoi(argv[1]),n=atoi(argv[2]),k=atoi(argv[3]); int pm=atoi(argv[4]),pn=atoi(argv[5]),pk=atoi(argv[6]);
  openblas_set_num_threads(1);
  float*a=calloc(4L*4096*4096,1),*b=calloc(4L*4096*4096,1),*c=calloc(4L*4096*4096,1);
  for(long i=0;i<(long)m*k;i++)a[i]=rand()/(float)RAND_MAX;
  for(long i=0;i<(long)k*n;i++)b[i]=rand()/(float)RAND_MAX;
  if(pm) cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,pm,pn,pk,1,a,pk,b,pn,0,c,pn);
  int reps=(int)(2e9/(2.0*m*n*k))+1;
  for(int r=0;r<3;r++){double t0=now();for(int i=0;i<reps;i++)cblas_sgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,m,n,k,1,a,k,b,n,0,c,n);
  printf("r%d %.1f ",r,2.0*m*n*k*reps/(now()-t0)/1e9);}
  printf(" (pre %d %d %d)\n",pm,pn,pk);
}
